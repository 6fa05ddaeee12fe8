/**
 * Polls one task (GET /yescale/task over a time window: the upstream has no lookup by id) and
 * publishes it whenever its status, progress or result changes; done at SUCCESS or FAILURE.
 */
import { UpstreamError } from '../upstream/errors.js';
import type { UpstreamHttp } from '../upstream/http.js';
import type { TaskRecord } from '../upstream/records.js';
import { listTasks } from '../upstream/yescale.js';
import type { Poller, PollResult } from './hub.js';
import { pollCaller, reviveDates, type PollCredential } from './caller.js';

/** Which task: a node id carries its submit second and row id; a bare taskId only the id. */
export type TaskTarget = { second: number; rowId: number } | { taskId: string };

/** How far back a bare taskId is looked for (one wider listing; later polls use the task's own second). */
export const TASK_LOOKBACK_S = 7 * 24 * 3600;

const FINAL_STATUSES = new Set<TaskRecord['status']>(['SUCCESS', 'FAILURE']);

const second = (date: Date): number => Math.floor(date.getTime() / 1000);

/** What a subscriber is told about: the fields a task's progress changes. */
const fingerprint = (task: TaskRecord): string =>
  JSON.stringify([task.status, task.progress, task.failReason, task.startedAt, task.finishedAt, task.quota, task.data]);

export function taskPoller(http: UpstreamHttp, who: PollCredential, target: TaskTarget, now = () => Date.now()): Poller {
  let window: { start_timestamp: number; end_timestamp: number } | null =
    'second' in target ? { start_timestamp: target.second, end_timestamp: target.second } : null;
  let seen: string | null = null;
  return {
    async poll(signal): Promise<PollResult> {
      const nowS = Math.floor(now() / 1000);
      const query = window ?? { start_timestamp: nowS - TASK_LOOKBACK_S, end_timestamp: nowS };
      const tasks = await listTasks(http, pollCaller(who, signal), query);
      const task = tasks.find((t) => ('taskId' in target ? t.taskId === target.taskId : t.id === target.rowId));
      if (!task) throw notFound(target);
      if (!window && task.submittedAt) window = { start_timestamp: second(task.submittedAt), end_timestamp: second(task.submittedAt) };
      const done = FINAL_STATUSES.has(task.status);
      const print = fingerprint(task);
      if (print === seen) return {};
      seen = print;
      return { value: task, done };
    },
  };
}

function notFound(target: TaskTarget): UpstreamError {
  const which = 'taskId' in target ? `with taskId ${JSON.stringify(target.taskId)} submitted in the last ${TASK_LOOKBACK_S / 86_400} days` : 'with this id';
  return new UpstreamError('NOT_FOUND', `The caller has no task ${which}`);
}

/** A published task back as a TaskRecord. */
export const decodeTask = (value: unknown): TaskRecord =>
  reviveDates<TaskRecord>(value as Record<string, unknown>, ['submittedAt', 'startedAt', 'finishedAt']);
