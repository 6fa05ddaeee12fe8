/** Task (GET /yescale/task): async image/video/music jobs, TaskFilter, Query.tasks and User.tasks. */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../context.js';
import { pollKey, subscriber } from '../live/caller.js';
import { liveValue } from '../live/hub.js';
import { decodeTask, TASK_LOOKBACK_S, taskPoller, type TaskTarget } from '../live/task-poller.js';
import { taskNodeId } from '../queries/node-id.js';
import { loadLogRange } from '../queries/log-range.js';
import type { LogRecord, TaskRecord } from '../upstream/records.js';
import { TASK_STATUSES, logOther } from '../upstream/records.js';
import type { WireTaskQuery } from '../upstream/wire.js';
import { builder, type AccountFields } from './builder.js';
import { LogEntry } from './log-entry.js';
import { usd } from './scalars.js';
import { User } from './user.js';
import { badInput, checkString, checkWindow, unixSeconds } from '../queries/validate.js';

export const TaskStatus = builder.enumType('TaskStatus', { values: TASK_STATUSES });

/** Channel types new-api stores in `platform` for video tasks. */
const PLATFORM_NAMES: Record<string, string> = {
  suno: 'Suno',
  mj: 'Midjourney',
  '1': 'OpenAI',
  '55': 'OpenAI Sora',
  '17': 'Alibaba',
  '24': 'Gemini',
  '35': 'MiniMax Hailuo',
  '41': 'Vertex AI',
  '45': 'Volcengine Doubao',
  '54': 'Volcengine Doubao',
  '50': 'Kling',
  '51': 'Jimeng',
  '52': 'Vidu',
};

export const Task = builder.objectRef<TaskRecord>('Task');

/** Billing entries are written around submission and (refunds) completion; this much slack either side. */
const TASK_LOG_MARGIN_S = 60;
/** Entries of one task's window read at most: a few minutes of even a busy account. */
const TASK_LOG_ROWS = 1_000;

/** How far from the task's submit time its submission charge may be written (new-api logs it in the submit request). */
export const TASK_CHARGE_SLACK_S = 5;

/**
 * Whether a log entry names the task: a refund or settlement adjustment carries
 * `other.task_id` (REFUND, or CONSUME for an extra charge, latest new-api); a YEScale-era refund is
 * SYSTEM text naming the id (`异步任务执行失败 <id>，补偿 …`, `Video async task failed <id>, refund …`).
 */
export function mentionsTask(entry: LogRecord, taskId: string): boolean {
  if (taskId === '') return false;
  if (logOther(entry)?.task_id === taskId) return true;
  return entry.type === 'SYSTEM' && entry.content.includes(taskId);
}

/**
 * Whether a log entry is most likely the task's submission charge. new-api writes it before the
 * task id exists, so it never names the task: it is a CONSUME of the task's quota written within
 * seconds of the submit time (the caller is the same: the logs are the caller's own). A match, not
 * a certainty: another submission of the same price in the same seconds matches too.
 */
export function isTaskCharge(entry: LogRecord, task: TaskRecord): boolean {
  if (!task.submittedAt || entry.type !== 'CONSUME' || entry.quota !== task.quota) return false;
  if (typeof logOther(entry)?.task_id === 'string') return false; // a settlement of another task
  return Math.abs(entry.createdAt.getTime() - task.submittedAt.getTime()) <= TASK_CHARGE_SLACK_S * 1000;
}

/** The log entries of a task: one GET /yescale/logs over its window, shared by the tasks with the same window. */
async function taskLogs(ctx: Context, task: TaskRecord): Promise<LogRecord[]> {
  if (!task.submittedAt) return [];
  const query = {
    start_timestamp: unixSeconds(task.submittedAt) - TASK_LOG_MARGIN_S,
    end_timestamp: unixSeconds(task.finishedAt ?? task.submittedAt) + TASK_LOG_MARGIN_S,
  };
  // through the range reader: it follows a clamped page size (new-api serves at most 100 rows)
  const options = { pageRows: TASK_LOG_ROWS, concurrency: ctx.settings.logPageConcurrency };
  const { items } = await loadLogRange(ctx.loaders.logPages, query, 0, TASK_LOG_ROWS, options);
  return items.filter((entry) => mentionsTask(entry, task.taskId) || isTaskCharge(entry, task));
}

export const TaskFilter = builder.inputType('TaskFilter', {
  description: 'The time window (on submit time, inclusive) is required by the upstream; the other filters are applied by the gateway.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: true }),
    to: t.field({ type: 'DateTime', required: true }),
    platform: t.string({ description: 'Exact upstream platform, e.g. "suno" or "50" (Kling).' }),
    status: t.field({ type: TaskStatus }),
    action: t.string({ description: 'Exact upstream action, e.g. "MUSIC" or "generate".' }),
  }),
});

type TaskFilterShape = { from: Date; to: Date; platform?: string | null; status?: TaskRecord['status'] | null; action?: string | null };

export async function loadTasks(ctx: Context, filter: TaskFilterShape, argument = 'filter'): Promise<TaskRecord[]> {
  checkWindow(argument, filter.from, filter.to);
  checkString(`${argument}.platform`, filter.platform);
  checkString(`${argument}.action`, filter.action);
  const query: WireTaskQuery = { start_timestamp: unixSeconds(filter.from), end_timestamp: unixSeconds(filter.to) };
  const tasks = await ctx.loaders.tasks.load(query);
  if (filter.platform == null && filter.status == null && filter.action == null) return tasks;
  return tasks.filter(
    (task) =>
      (filter.platform == null || task.platform === filter.platform) &&
      (filter.status == null || task.status === filter.status) &&
      (filter.action == null || task.action === filter.action),
  );
}

builder.node(Task, {
  description: 'An asynchronous generation task (Suno music, video, image).',
  id: { resolve: taskNodeId },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'taskId' in value,
  loadMany: (ids, ctx) => ids.map((id) => ctx.loaders.taskById.load(id)),
  fields: (t) => ({
    upstreamId: t.exposeInt('id', { description: 'The upstream row id.' }),
    taskId: t.exposeString('taskId', { description: 'The id the relay API returned when the task was submitted.' }),
    platform: t.exposeString('platform', { description: 'Upstream platform: "suno", or a channel type number for video.' }),
    platformName: t.string({
      nullable: true,
      description: 'A readable name for `platform` (Suno, Kling, Vidu, OpenAI Sora, ...), null if unknown.',
      resolve: (task) => PLATFORM_NAMES[task.platform] ?? null,
    }),
    action: t.exposeString('action'),
    status: t.expose('status', { type: TaskStatus }),
    progress: t.exposeFloat('progress', { nullable: true, description: 'Percent done, 0..100.' }),
    failReason: t.exposeString('failReason', { nullable: true }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    quota: t.expose('quota', { type: 'Credits' }),
    quotaUsd: t.float({ resolve: (task) => usd(task.quota) }),
    group: t.exposeString('group', { nullable: true }),
    properties: t.expose('properties', { type: 'JSON', nullable: true }),
    data: t.expose('data', { type: 'JSON', nullable: true, description: 'The platform\'s own payload, as the upstream sent it.' }),
    logs: t.field({
      type: [LogEntry],
      nullable: true,
      description:
        `The billing entries of this task, among the ${TASK_LOG_ROWS} newest entries from ${TASK_LOG_MARGIN_S} s before submission to ` +
        `${TASK_LOG_MARGIN_S} s after completion. Refunds and adjustments are found by id: REFUND or CONSUME entries with \`other.task_id\`, ` +
        'SYSTEM entries whose text names the task id (YEScale-era refunds). The submission charge never names the task (new-api writes it ' +
        `before the id exists), so it is matched, not known: a CONSUME entry with the task's quota, created within ${TASK_CHARGE_SLACK_S} s of ` +
        'the submit time. Another submission at the same price in the same seconds would match too.',
      resolve: (task, _args, ctx) => taskLogs(ctx, task),
    }),
  }),
});

/** Query.tasks and User.tasks. */
const tasksField = (t: AccountFields) =>
  t.field({
    type: [Task],
    nullable: true,
    description: "The caller's tasks submitted in a time window (GET /yescale/task?start_timestamp=&end_timestamp=).",
    args: { filter: t.arg({ type: TaskFilter, required: true }) },
    resolve: (_parent, { filter }, ctx) => loadTasks(ctx, filter),
  });

builder.queryField('tasks', tasksField);
builder.objectField(User, 'tasks', tasksField);

/** `taskUpdated(id:)` takes a Task ID (it carries the submit second) or the upstream taskId. */
function parseTaskTarget(id: string): TaskTarget {
  checkString('id', id);
  if (id.trim() === '') throw badInput('id', 'is empty; expected a Task ID or a taskId');
  let global: { typename: string; id: string } | null = null;
  try {
    global = decodeGlobalID(id);
  } catch {
    // not a global ID: a taskId
  }
  // Only what encodes back to the same text is a global ID; a taskId may happen to decode.
  if (global && /^[A-Za-z_]\w*$/.test(global.typename) && encodeGlobalID(global.typename, global.id) === id) {
    if (global.typename !== 'Task') throw badInput('id', `is a ${global.typename} ID; expected a Task ID or a taskId`);
    const match = /^(\d{1,12})\.(\d{1,15})$/.exec(global.id);
    if (!match) throw badInput('id', 'is not a Task ID this API issued');
    return { second: Number(match[1]), rowId: Number(match[2]) };
  }
  return { taskId: id };
}

builder.subscriptionField('taskUpdated', (t) =>
  t.field({
    type: Task,
    nullable: true,
    description:
      'The task now, then again on every change of status, progress or result; the stream completes at SUCCESS or FAILURE. ' +
      `A bare taskId is looked for among the tasks submitted in the last ${TASK_LOOKBACK_S / 86_400} days. ` +
      'An unknown task ends the stream with a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true, description: 'A Task ID, or the taskId the relay API returned.' }) },
    subscribe: (_root, { id }, ctx) => {
      const target = parseTaskTarget(String(id));
      const who = subscriber(ctx.caller);
      const watch = { owner: who.id, key: pollKey(who, `task ${JSON.stringify(target)}`), poller: () => taskPoller(ctx.http, who, target), replayLatest: true };
      return ctx.live.stream(watch, (value) => [decodeTask(value)]);
    },
    resolve: (task) => liveValue(task),
  }),
);
