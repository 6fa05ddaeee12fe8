/**
 * Tasks and log entries by node id. The upstream cannot fetch either by id, only list them in
 * a time window, so their ids carry the second they happened (`<unix>.<id or hash>`) and a
 * batch of ids becomes window queries: one for all tasks, one per distinct second for logs.
 */
import DataLoader from 'dataloader';
import type { LogRecord, TaskRecord } from '../upstream/records.js';
import { logKey } from '../upstream/records.js';
import type { WireLogQuery, WireTaskQuery } from '../upstream/wire.js';

// `<unix>.<id or hash>`, and for the n-th identical log entry of a second `.<n>` (records.ts logKey)
const ID = /^(\d{1,12})\.([\w-]+)(?:\.\d{1,9})?$/;
const secondOf = (id: string): number | null => {
  const match = ID.exec(id);
  return match ? Number(match[1]) : null;
};

export const taskNodeId = (task: TaskRecord): string =>
  `${task.submittedAt ? Math.floor(task.submittedAt.getTime() / 1000) : 0}.${task.id}`;

export function taskByIdLoader(tasks: DataLoader<WireTaskQuery, TaskRecord[], string>) {
  return new DataLoader<string, TaskRecord | null>(async (ids) => {
    const seconds = ids.map(secondOf).filter((s): s is number => s !== null);
    if (seconds.length === 0) return ids.map(() => null);
    const listed = await tasks.load({ start_timestamp: Math.min(...seconds), end_timestamp: Math.max(...seconds) });
    const byId = new Map(listed.map((task) => [taskNodeId(task), task]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Entries sharing one second are rare; a page of this many covers them. */
const SECOND_PAGE = 1000;

export function logByIdLoader(pages: DataLoader<WireLogQuery, { items: LogRecord[] }, string>) {
  return new DataLoader<string, LogRecord | null>(async (ids) =>
    Promise.all(
      ids.map(async (id) => {
        const second = secondOf(id);
        if (second === null) return null;
        const page = await pages.load({ start_timestamp: second, end_timestamp: second, p: 1, page_size: SECOND_PAGE });
        return page.items.find((entry) => logKey(entry) === id) ?? null;
      }),
    ),
  );
}
