/**
 * The text and `other` JSON new-api writes into a log entry (consume pricing text, task billing,
 * errors, request ids), and the shapes the log store hands over to build them.
 */
import type { WireTask } from '../upstream/wire.js';
import type { ModelSpec } from './catalog.js';
import { alnum, type Rng } from './random.js';

/** 500,000 credits = 1 USD (new-api's QuotaPerUnit). */
export const USD = 500_000;

/**
 * Which new-api build's task billing is emulated. 'yescale' (commit 41de3464, 2025-07):
 * the submission charge is a CONSUME entry `模型固定价格 …，操作 …` without the task id, a failed task's
 * refund a text-only SYSTEM entry naming it. 'latest' (2026-04): the charge is `操作 …` with
 * `other.is_task`, still without the id; the refund a REFUND entry with `other.task_id` and `other.reason`.
 */
export type Era = 'yescale' | 'latest';
export const ERAS: readonly Era[] = ['yescale', 'latest'];

/** A log entry written by a task's billing: its submission charge or its refund. */
export interface TaskEntry {
  kind: 'charge' | 'refund';
  task: WireTask;
  model: number;
  key: number;
}

/** Everything about a log that sums and filters need, plus the numbers shown in the wire object. */
export interface Core {
  type: number;
  model: number;
  key: number;
  prompt: number;
  completion: number;
  cache: number;
  quota: number;
  useTime: number;
  stream: boolean;
  frt: number;
  /** error status code, top-up amount in USD, ... depending on type */
  extra: number;
}

export const ERRORS: Array<[number, string]> = [
  [429, '当前分组上游负载已饱和，请稍后再试 (upstream saturated, retry later)'],
  [500, 'upstream error: do request failed'],
  [503, 'no available channel for this model (model unavailable)'],
  [400, 'This model\'s maximum context length is exceeded'],
  [524, 'upstream timeout'],
];

const f2 = (x: number) => x.toFixed(2);
const usd = (x: number) => `$${x.toFixed(6)}`;

/** Human-readable text in the style new-api writes (Chinese pricing text). */
export function content(c: Core, m: ModelSpec | undefined, s: number): string {
  switch (c.type) {
    case 1:
      return `通过兑换码充值 ${usd(c.extra)} 额度，兑换码ID ${1000 + (s % 9000)}`;
    case 3:
      return `管理员将用户额度从 ${usd(c.extra)} 修改为 ${usd(c.extra + 50)}`;
    case 4:
      return s === 1 ? `新用户注册赠送 ${usd(1)} 额度` : `邀请用户奖励 ${usd(0.5)} 额度`;
    case 5: {
      const [code, msg] = ERRORS[c.extra];
      return `status_code=${code}, ${msg}`;
    }
  }
  if (!m) return '';
  if (m.price >= 0) return `模型价格 ${f2(m.price)}，分组倍率 ${f2(m.groupRatio)}`;
  const cache = c.cache > 0 ? `，缓存倍率 ${f2(m.cacheRatio)}` : '';
  return `模型倍率 ${f2(m.modelRatio)}，补全倍率 ${f2(m.completionRatio)}，分组倍率 ${f2(m.groupRatio)}${cache}`;
}

/** What new-api writes as a task's charge or refund; the quota as new-api's LogQuota shows it. */
export function taskContent(e: TaskEntry, era: Era): string {
  const { task } = e;
  const quota = `${usd(task.quota / USD)} 额度`;
  if (e.kind === 'charge') return era === 'yescale' ? `模型固定价格 ${f2(task.quota / USD)}，分组倍率 ${f2(1)}，操作 ${task.action}` : `操作 ${task.action}`;
  if (era === 'latest') return `异步任务执行失败，退还 ${quota}`;
  return task.platform === 'suno' ? `异步任务执行失败 ${task.task_id}，补偿 ${quota}` : `Video async task failed ${task.task_id}, refund ${quota}`;
}

export function taskOther(e: TaskEntry, era: Era): string {
  const { task } = e;
  if (e.kind === 'refund') return era === 'latest' ? JSON.stringify({ task_id: task.task_id, reason: task.fail_reason }) : '';
  const price = { model_price: task.quota / USD, group_ratio: 1 };
  if (era === 'yescale') return JSON.stringify(price);
  const path = task.platform === 'suno' ? `/suno/submit/${task.action.toLowerCase()}` : '/v1/video/generations';
  return JSON.stringify({ is_task: true, request_path: path, ...price });
}

/** new-api's `other`: a JSON object serialised into a string ("" for admin/top-up records). */
export function other(c: Core, m: ModelSpec | undefined): string {
  if (!m) return '';
  if (c.type === 5) return JSON.stringify({ error_type: 'upstream_error', status_code: ERRORS[c.extra][0] });
  if (m.price >= 0) return JSON.stringify({ model_ratio: 0, group_ratio: m.groupRatio, completion_ratio: 0, model_price: m.price });
  const o: Record<string, number> = {
    model_ratio: m.modelRatio,
    group_ratio: m.groupRatio,
    completion_ratio: m.completionRatio,
    cache_tokens: c.cache,
    cache_ratio: m.cacheRatio,
  };
  if (c.frt > 0) o.frt = c.frt;
  o.model_price = -1;
  return JSON.stringify(o);
}

/** new-api request ids: yyyyMMddHHmmss (UTC here) + 9 digits + 8 random characters. */
export function requestId(t: number, r: Rng): string {
  const iso = new Date(t * 1000).toISOString(); // 2025-06-15T15:06:40.000Z
  const stamp = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
  return stamp + String(Math.floor(r() * 1e9)).padStart(9, '0') + alnum(r, 8);
}
