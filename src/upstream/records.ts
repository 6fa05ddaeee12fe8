/**
 * Wire -> domain records. Parsing is defensive: unknown fields are ignored, missing or
 * mistyped fields become null (or a safe default for counters), unknown enum values map to
 * UNKNOWN, `other` is JSON inside a string. Times become Dates; credits stay integers.
 */
import { UpstreamError } from './errors.js';
import { isObject } from './json.js';

export const USER_ROLES = ['GUEST', 'USER', 'ADMIN', 'ROOT', 'UNKNOWN'] as const;
export type UserRole = (typeof USER_ROLES)[number];
const ROLE_BY_CODE: Record<number, UserRole> = { 0: 'GUEST', 1: 'USER', 10: 'ADMIN', 100: 'ROOT' };

export const API_KEY_STATUSES = ['ENABLED', 'DISABLED', 'EXPIRED', 'EXHAUSTED', 'UNKNOWN'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];
const STATUS_BY_CODE: Record<number, ApiKeyStatus> = { 1: 'ENABLED', 2: 'DISABLED', 3: 'EXPIRED', 4: 'EXHAUSTED' };

export const TASK_STATUSES = ['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'FAILURE', 'SUCCESS', 'UNKNOWN'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Wire code = index (0..6). */
export const LOG_TYPES = ['UNKNOWN', 'TOPUP', 'CONSUME', 'MANAGE', 'SYSTEM', 'ERROR', 'REFUND'] as const;
export type LogType = (typeof LOG_TYPES)[number];

export interface UserRecord {
  username: string;
  displayName: string | null;
  email: string | null;
  role: UserRole;
  quota: number;
  usedQuota: number;
  requestCount: number;
  telegramId: string | null;
  accessToken: string | null;
}

export interface ApiKeyRecord {
  id: number;
  name: string;
  key: string | null;
  status: ApiKeyStatus;
  createdAt: Date | null;
  lastUsedAt: Date | null;
  /** null = never expires */
  expiresAt: Date | null;
  remainQuota: number;
  unlimitedQuota: boolean;
  usedQuota: number;
  modelLimitsEnabled: boolean;
  modelLimits: string[];
  allowIps: string[];
  group: string | null;
}

export interface TaskRecord {
  id: number;
  taskId: string;
  platform: string;
  action: string;
  status: TaskStatus;
  /** 0..100 */
  progress: number | null;
  failReason: string | null;
  submittedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  quota: number;
  group: string | null;
  properties: Record<string, unknown> | null;
  data: unknown;
}

export interface LogRecord {
  createdAt: Date;
  type: LogType;
  content: string;
  username: string;
  tokenName: string;
  tokenId: number | null;
  modelName: string;
  quota: number;
  promptTokens: number;
  completionTokens: number;
  useTime: number;
  isStream: boolean;
  group: string | null;
  ip: string | null;
  requestId: string | null;
  /** `other` as the upstream sent it (JSON inside a string): read it with `logOther` */
  otherRaw: unknown;
}

export interface Page<T> {
  items: T[];
  /** null when the upstream sent a plain array */
  total: number | null;
  pageSize: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const bool = (v: unknown): boolean => v === true || v === 1 || v === 'true';
const nonEmpty = (v: unknown): string | null => {
  const s = str(v);
  return s === null || s === '' ? null : s;
};
/** unix seconds -> Date; 0, negative or missing -> null */
const time = (v: unknown): Date | null => {
  const n = num(v);
  return n > 0 ? new Date(n * 1000) : null;
};

function badShape(path: string, what: string): UpstreamError {
  return new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} with ${what}`, { path });
}

function object(path: string, data: unknown): Record<string, unknown> {
  if (!isObject(data)) throw badShape(path, 'data that is not an object');
  return data;
}

/** Accepts a plain array or `{items,total,page,page_size}`. */
export function toPage<T>(path: string, data: unknown, parse: (raw: Record<string, unknown>) => T): Page<T> {
  if (data === null) return { items: [], total: 0, pageSize: null };
  const page = Array.isArray(data) ? null : isObject(data) && Array.isArray(data.items) ? data : undefined;
  if (page === undefined && !Array.isArray(data)) throw badShape(path, 'data that is neither a list nor a page');
  const raw = (page ? page.items : data) as unknown[];
  const items = raw.filter(isObject).map(parse);
  if (!page) return { items, total: null, pageSize: null };
  return {
    items,
    total: typeof page.total === 'number' ? page.total : null,
    pageSize: typeof page.page_size === 'number' ? page.page_size : null,
  };
}

export function toUser(path: string, data: unknown): UserRecord {
  const raw = object(path, data);
  const username = str(raw.username);
  if (!username) throw badShape(path, 'a user without a username');
  return {
    username,
    displayName: nonEmpty(raw.display_name),
    email: nonEmpty(raw.email),
    role: ROLE_BY_CODE[num(raw.role)] ?? 'UNKNOWN',
    quota: num(raw.quota),
    usedQuota: num(raw.used_quota),
    requestCount: num(raw.request_count),
    telegramId: nonEmpty(raw.telegram_id),
    accessToken: nonEmpty(raw.access_token),
  };
}

const list = (v: unknown, sep: RegExp): string[] =>
  (str(v) ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);

export function toApiKey(raw: Record<string, unknown>): ApiKeyRecord {
  const expired = num(raw.expired_time);
  return {
    id: num(raw.id),
    name: str(raw.name) ?? '',
    key: nonEmpty(raw.key),
    status: STATUS_BY_CODE[num(raw.status)] ?? 'UNKNOWN',
    createdAt: time(raw.created_time),
    lastUsedAt: time(raw.accessed_time),
    expiresAt: expired === -1 ? null : time(expired),
    remainQuota: num(raw.remain_quota),
    unlimitedQuota: bool(raw.unlimited_quota),
    usedQuota: num(raw.used_quota),
    modelLimitsEnabled: bool(raw.model_limits_enabled),
    modelLimits: list(raw.model_limits, /,/),
    allowIps: list(raw.allow_ips, /[\n,]/),
    group: nonEmpty(raw.group),
  };
}

export function toTask(raw: Record<string, unknown>): TaskRecord {
  const status = str(raw.status) ?? '';
  const progress = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(str(raw.progress) ?? '');
  return {
    id: num(raw.id),
    taskId: str(raw.task_id) ?? '',
    platform: str(raw.platform) ?? '',
    action: str(raw.action) ?? '',
    status: (TASK_STATUSES as readonly string[]).includes(status) ? (status as TaskStatus) : 'UNKNOWN',
    progress: progress ? Math.min(100, Number(progress[1])) : null,
    failReason: nonEmpty(raw.fail_reason),
    submittedAt: time(raw.submit_time),
    startedAt: time(raw.start_time),
    finishedAt: time(raw.finish_time),
    quota: num(raw.quota),
    group: nonEmpty(raw.group),
    properties: isObject(raw.properties) ? raw.properties : null,
    data: raw.data ?? null,
  };
}

/**
 * A log entry's `other` object, parsed when first asked for: most queries never read it, and
 * parsing it for every entry of every page was work most requests threw away (docs/benchmarks.md, "Round five").
 */
const others = new WeakMap<LogRecord, Record<string, unknown> | null>();
export function logOther(entry: LogRecord): Record<string, unknown> | null {
  let other = others.get(entry);
  if (other === undefined) {
    other = parseOther(entry.otherRaw);
    others.set(entry, other);
  }
  return other;
}

function parseOther(v: unknown): Record<string, unknown> | null {
  if (isObject(v)) return v;
  if (typeof v !== 'string' || v === '') return null;
  try {
    const parsed: unknown = JSON.parse(v);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function toLog(raw: Record<string, unknown>): LogRecord {
  return {
    createdAt: new Date(num(raw.created_at) * 1000),
    type: LOG_TYPES[num(raw.type)] ?? 'UNKNOWN',
    content: str(raw.content) ?? '',
    username: str(raw.username) ?? '',
    tokenName: str(raw.token_name) ?? '',
    tokenId: typeof raw.token_id === 'number' && raw.token_id > 0 ? raw.token_id : null,
    modelName: str(raw.model_name) ?? '',
    quota: num(raw.quota),
    promptTokens: num(raw.prompt_tokens),
    completionTokens: num(raw.completion_tokens),
    useTime: num(raw.use_time),
    isStream: bool(raw.is_stream),
    group: nonEmpty(raw.group),
    ip: nonEmpty(raw.ip),
    requestId: nonEmpty(raw.request_id),
    otherRaw: raw.other,
  };
}
