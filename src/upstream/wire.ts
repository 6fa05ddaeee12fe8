/**
 * The wire shapes: raw JSON of the YEScale System API exactly as the upstream sends them
 * (snake_case), and the query parameters of each endpoint. The emulator serves them; the
 * upstream client reads them; the query types are also the keys of the loaders and paging walks,
 * the one place above src/upstream/ where wire names appear.
 */

/*
 * Envelope and lists, parsed loosely in records.ts rather than typed here: every endpoint answers
 * `{success, message, data}` (`/yescale/apikeylist` has been seen with `data` only), and a list
 * `data` is either a plain array or a new-api page `{items, total, page, page_size}`.
 */

/** GET /yescale/user */
export interface WireUser {
  access_token: string | null;
  display_name: string;
  email: string;
  /** remaining credits (500,000 credits = 1 USD) */
  quota: number;
  request_count: number;
  /** 0 guest, 1 user, 10 admin, 100 root */
  role: number;
  telegram_id: string;
  used_quota: number;
  username: string;
}

/** GET /yescale/apikeylist: one API key ("token" upstream) */
export interface WireToken {
  id: number;
  user_id: number;
  /** 48 alphanumerics without the `sk-` prefix (may arrive masked) */
  key: string;
  /** 1 enabled, 2 disabled, 3 expired, 4 exhausted */
  status: number;
  name: string;
  created_time: number;
  accessed_time: number;
  /** -1 = never */
  expired_time: number;
  remain_quota: number;
  unlimited_quota: boolean;
  used_quota: number;
  model_limits_enabled: boolean;
  /** comma-separated model names */
  model_limits: string;
  /** newline-separated IPs */
  allow_ips: string | null;
  group: string;
  DeletedAt: string | null;
}

/** GET /yescale/task: one async task (Suno, video, image) */
export interface WireTask {
  id: number;
  created_at: number;
  updated_at: number;
  task_id: string;
  /** "suno", or a channel type number as a string for video platforms */
  platform: string;
  user_id: number;
  group?: string;
  channel_id: number;
  quota: number;
  action: string;
  /** NOT_START SUBMITTED QUEUED IN_PROGRESS FAILURE SUCCESS UNKNOWN or "" */
  status: string;
  fail_reason: string;
  submit_time: number;
  start_time: number;
  finish_time: number;
  /** "0%".."100%" */
  progress: string;
  properties?: Record<string, unknown> | null;
  data?: unknown;
}

/** GET /yescale/logs: one usage log entry */
export interface WireLog {
  /** not stable in self views: the same entry may come back with another id */
  id: number;
  user_id: number;
  created_at: number;
  /** 0 unknown, 1 top-up, 2 consume, 3 manage, 4 system, 5 error, 6 refund */
  type: number;
  content: string;
  username: string;
  token_name: string;
  token_id?: number;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** seconds */
  use_time: number;
  is_stream: boolean;
  channel: number;
  channel_name?: string;
  group?: string;
  ip?: string;
  request_id?: string;
  /** a JSON object serialised into a string: cache_tokens, frt, model_ratio, ... */
  other: string;
}

/** Query parameters, exactly as the upstream names them. Numbers are unix seconds. */
export interface WireApiKeyQuery {
  keyword?: string;
  token?: string;
}

export interface WireTaskQuery {
  start_timestamp: number;
  end_timestamp: number;
}

export interface WireLogQuery {
  /** 1-based page */
  p?: number;
  page_size?: number;
  type?: number;
  token_name?: string;
  model_name?: string;
  username?: string;
  start_timestamp?: number;
  end_timestamp?: number;
}

export const PATHS = {
  user: '/yescale/user',
  apiKeys: '/yescale/apikeylist',
  tasks: '/yescale/task',
  logs: '/yescale/logs',
} as const;

/** The key writes (YEScale: DELETE /yescale/deletekey/{id}, PUT /yescale/editquota/{id}): the key's numeric id is the last path segment. */
export const KEY_WRITE_PATHS = {
  deleteKey: '/yescale/deletekey/',
  editQuota: '/yescale/editquota/',
} as const;
