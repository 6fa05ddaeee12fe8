/**
 * Tasks and log entries by node id (src/queries/node-id.ts): a batch of ids becomes window
 * queries, one for all tasks, one per distinct second for logs.
 */
import DataLoader from 'dataloader';
import { logNodeId, secondOfNodeId, taskNodeId } from '../queries/node-id.js';
import type { LogRecord, TaskRecord } from '../upstream/records.js';
import type { WireLogQuery, WireTaskQuery } from '../upstream/wire.js';

export function taskByIdLoader(tasks: DataLoader<WireTaskQuery, TaskRecord[], string>) {
  return new DataLoader<string, TaskRecord | null>(async (ids) => {
    const seconds = ids.map(secondOfNodeId).filter((s): s is number => s !== null);
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
        const second = secondOfNodeId(id);
        if (second === null) return null;
        const page = await pages.load({ start_timestamp: second, end_timestamp: second, p: 1, page_size: SECOND_PAGE });
        return page.items.find((entry) => logNodeId(entry) === id) ?? null;
      }),
    ),
  );
}
