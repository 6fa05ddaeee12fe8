/** Command line + environment -> a typed, validated Config. A bad value is one clear line. */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The gateway's own defaults, so a flag left unset means the same as an option left unset.
import { DEFAULT_HEARTBEAT_MS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SETTINGS } from './gateway.js';
import type { Limits } from './plugins/limits.js';
import { DEFAULT_LIVE, type LiveOptions } from './live/hub.js';
import { DEFAULT_LEASE_MS } from './live/lease.js';
import { DEFAULT_EMULATOR, MAX_GENERATED_USERS } from './emulator/index.js';
import { LIKE_DIALECTS, type LikeDialect } from './emulator/log-query.js';
import { ERAS, type Era } from './emulator/log-text.js';
import { LOG_LEVELS, type LogLevel } from './observability/logger.js';
import type { HttpOptions } from './upstream/http.js';

export type Command = 'serve' | 'demo' | 'emulator' | 'print-schema' | 'check' | 'help';

export interface Config {
  command: Command;
  port: number;
  host: string;
  /** YEScale base URL (serve) */
  upstream: string;
  /** server-side access key; without it the caller's Authorization header is passed through */
  accessKey?: string;
  revealSecrets: boolean;
  /** serve (and print) the schema without Mutation */
  readOnly: boolean;
  /** print-schema: the federation SDL */
  federation: boolean;
  /** emulator: data seed and log entries of the demo user */
  seed: number;
  logs: number;
  /** emulator: ordinary users beside demo, admin and newbie (many callers for benchmarks) */
  users: number;
  /** emulator: tasks and keys in new-api pages instead of plain arrays */
  pageLists: boolean;
  /** emulator: how model_name is matched, recent new-api 'escaped' or YEScale-era 'raw' */
  likeDialect: LikeDialect;
  /** emulator: which new-api build's task billing logs to write */
  era: Era;
  /** emulator: emulated seconds per real second (tasks move, log entries arrive) */
  speed: number;
  requestTimeoutMs: number;
  /** upstream log pages fetched at once by long walks */
  logPageConcurrency: number;
  /** the response cache (in memory, or in Redis with redisUrl) */
  responseCache: boolean;
  /** Redis shared by every instance: the response cache, and which instance polls each subscription */
  redisUrl?: string;
  /** with redisUrl: how long a dead instance's subscriptions go unpolled before another takes over */
  subscriptionLeaseMs: number;
  /** GET /metrics */
  metrics: boolean;
  logLevel: LogLevel;
  /** manifest of the only documents the gateway runs */
  trustedDocuments?: string;
  /** the /dashboard page (on by default in demo) */
  dashboard: boolean;
  /** query and request limits given by flag or env (the rest keep their defaults) */
  limits: Partial<Limits>;
  /** upstream timeouts, retries, breaker and concurrency caps given by flag or env */
  http: Partial<Omit<HttpOptions, 'baseUrl'>>;
  introspection: boolean;
  /** plain JSON operations answered without yoga's HTTP layer (src/http/fast-path.ts) */
  fastPath: boolean;
  /** origins allowed cross-origin (CORS); none by default */
  corsOrigins: string[];
  /** subscriptions: poll interval bounds and limits given by flag or env */
  live: Partial<LiveOptions>;
  /** WebSocket keep-alive ping interval */
  heartbeatMs: number;
  /** serve/demo: how far the heap may grow past what the last full GC kept, in percent; 0 leaves it to V8 */
  heapGrowthPercent: number;
}

/** V8 lets a busy heap grow to several times its live size between full GCs; twice is enough here (docs/benchmarks.md). */
export const DEFAULT_HEAP_GROWTH_PERCENT = 100;

/** Numeric limits and upstream policies: [flag, env, where, key, min, max]. Defaults live in limits.ts and upstream/. */
const TUNABLES = [
  ['max-depth', 'MAX_DEPTH', 'limits', 'maxDepth', 1, 1_000],
  ['max-aliases', 'MAX_ALIASES', 'limits', 'maxAliases', 0, 10_000],
  ['max-directives', 'MAX_DIRECTIVES', 'limits', 'maxDirectives', 0, 10_000],
  ['max-tokens', 'MAX_TOKENS', 'limits', 'maxTokens', 10, 1_000_000],
  ['max-cost', 'MAX_COST', 'limits', 'maxCost', 1, 1_000_000_000],
  ['max-batch', 'MAX_BATCH', 'limits', 'maxBatch', 0, 1_000],
  ['max-request-bytes', 'MAX_REQUEST_BYTES', 'limits', 'maxRequestBytes', 1_024, 100 * 1024 * 1024],
  ['connect-timeout', 'UPSTREAM_CONNECT_TIMEOUT_MS', 'http', 'connectTimeoutMs', 100, 600_000],
  ['headers-timeout', 'UPSTREAM_HEADERS_TIMEOUT_MS', 'http', 'headersTimeoutMs', 100, 600_000],
  ['body-timeout', 'UPSTREAM_BODY_TIMEOUT_MS', 'http', 'bodyTimeoutMs', 100, 600_000],
  ['retries', 'UPSTREAM_RETRIES', 'http', 'retries', 0, 10],
  ['rate-limit-delay', 'UPSTREAM_RATE_LIMIT_DELAY_MS', 'http', 'rateLimitDelayMs', 0, 600_000],
  ['breaker-threshold', 'UPSTREAM_BREAKER_THRESHOLD', 'http', 'breakerThreshold', 1, 10_000],
  ['breaker-cooldown', 'UPSTREAM_BREAKER_COOLDOWN_MS', 'http', 'breakerCooldownMs', 100, 3_600_000],
  ['upstream-concurrency', 'UPSTREAM_CONCURRENCY', 'http', 'maxConcurrent', 1, 1_024],
  ['upstream-concurrency-per-key', 'UPSTREAM_CONCURRENCY_PER_KEY', 'http', 'maxConcurrentPerCredential', 1, 1_024],
  ['poll-min-interval', 'POLL_MIN_INTERVAL_MS', 'live', 'minMs', 100, 3_600_000],
  ['poll-max-interval', 'POLL_MAX_INTERVAL_MS', 'live', 'maxMs', 100, 3_600_000],
  ['max-subscriptions-per-key', 'MAX_SUBSCRIPTIONS_PER_KEY', 'live', 'maxPerCredential', 1, 1_000_000],
  ['max-subscriptions', 'MAX_SUBSCRIPTIONS', 'live', 'maxTotal', 1, 1_000_000],
] as const;

export class ConfigError extends Error {}

export const DEFAULT_UPSTREAM = 'https://yescale.bogia.app';
const COMMANDS: readonly Command[] = ['serve', 'demo', 'emulator', 'print-schema', 'check', 'help'];

export const USAGE = `Usage: yescale-graphql <command> [options]

Commands:
  serve         the gateway against the real upstream (default)
  demo          the gateway on the built-in emulator, GraphiQL at /graphql
  emulator      only the emulator of the YEScale System API
  print-schema  print the SDL (--federation: the subgraph SDL)
  check         one GET per read endpoint of --upstream: is it compatible? (exit 0 yes, 1 no)

Options:
  --port N              listen port (serve/demo 4000, emulator 4010)      env PORT
  --host H              listen address (127.0.0.1)                         env HOST
  --upstream URL        YEScale base URL (${DEFAULT_UPSTREAM})   env YESCALE_BASE_URL
  --reveal-secrets      show API keys and the access token unmasked        env YESCALE_REVEAL_SECRETS=1
  --read-only           no Mutation: keys cannot be changed or deleted      env YESCALE_READ_ONLY=1
  --request-timeout MS  deadline of one request's upstream calls (${DEFAULT_REQUEST_TIMEOUT_MS})   env REQUEST_TIMEOUT_MS
  --log-page-concurrency N  log pages fetched at once by long walks (${DEFAULT_SETTINGS.logPageConcurrency})  env LOG_PAGE_CONCURRENCY
  --heap-growth PERCENT serve/demo: the heap grows at most this far past what the last full GC kept (${DEFAULT_HEAP_GROWTH_PERCENT}; 0: V8's own)   env HEAP_GROWTH_PERCENT
  --seed N              emulator data seed (${DEFAULT_EMULATOR.seed})
  --logs N              emulator log entries of the demo user (${DEFAULT_EMULATOR.logsPerUser})
  --users N             emulator: N more users user0001.. with their own access key, keys, tasks, logs (${DEFAULT_EMULATOR.users}, at most ${MAX_GENERATED_USERS})
  --page-lists          emulator: page tasks and keys like new-api (10 a page, at most 100)
  --like-dialect D      emulator model_name LIKE: escaped (recent new-api) | raw (YEScale era) (escaped)
  --era yescale|latest  emulator task billing logs: YEScale's build (SYSTEM refunds) or latest new-api (REFUND, other.task_id) (${DEFAULT_EMULATOR.era})
  --speed N             emulator clock: N emulated seconds per real second, e.g. 60 or 0.5; 0 freezes it (${DEFAULT_EMULATOR.speed})
  --federation          print-schema: the federation subgraph SDL
  --no-cache            no response cache                                   env CACHE=0
  --redis-url URL       share the response cache and the subscriptions' pollers in Redis (redis://…)   env REDIS_URL
  --no-metrics          no GET /metrics                                     env METRICS=0
  --log-level L         ${LOG_LEVELS.join('|')} (info)   env LOG_LEVEL
  --trusted-documents F run only the documents of manifest F (hash -> doc)  env TRUSTED_DOCUMENTS
  --dashboard           serve the dashboard page at /dashboard (demo: on)    env DASHBOARD=1 (DASHBOARD=0: off in demo)
Limits and resilience (defaults in README):
  --max-depth N --max-aliases N --max-directives N --max-tokens N --max-cost N --max-batch N
  --max-request-bytes N     env MAX_DEPTH, MAX_ALIASES, …, MAX_REQUEST_BYTES
  --connect-timeout MS --headers-timeout MS --body-timeout MS --retries N --rate-limit-delay MS
  --breaker-threshold N --breaker-cooldown MS --upstream-concurrency N --upstream-concurrency-per-key N
                            env UPSTREAM_CONNECT_TIMEOUT_MS, …, UPSTREAM_CONCURRENCY_PER_KEY
  --no-introspection        refuse introspection queries              env INTROSPECTION=0
  --no-fast-path            every request through yoga's HTTP layer   env FAST_PATH=0
  --cors-origin URL         allow this browser origin (repeatable)    env CORS_ORIGINS (comma list)
Subscriptions (SSE and graphql-ws at /graphql):
  --poll-min-interval MS --poll-max-interval MS   upstream poll interval bounds (${DEFAULT_LIVE.minMs}, ${DEFAULT_LIVE.maxMs})
  --max-subscriptions-per-key N --max-subscriptions N   open at once (${DEFAULT_LIVE.maxPerCredential}, ${DEFAULT_LIVE.maxTotal})
                            env POLL_MIN_INTERVAL_MS, POLL_MAX_INTERVAL_MS, MAX_SUBSCRIPTIONS_PER_KEY, MAX_SUBSCRIPTIONS
  --heartbeat MS            WebSocket keep-alive ping (${DEFAULT_HEARTBEAT_MS})   env HEARTBEAT_MS
  --subscription-lease MS   with --redis-url: another instance takes over a dead one's polls after this (${DEFAULT_LEASE_MS})
                            env SUBSCRIPTION_LEASE_MS
  --access-key-file F       read the access key from file F (instead of YESCALE_ACCESS_KEY)
Env: YESCALE_ACCESS_KEY  server-side access key, used when a request sends no Authorization header`;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** A decimal number; 0 freezes the clock, so every request sees the data of the start (the peer bench, like the tests). */
function speed(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_EMULATOR.speed;
  const value = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || value > 1_000_000) {
    throw new ConfigError(`--speed must be a number from 0 to 1000000 (emulated seconds per real second; 0 freezes the clock), got "${raw}"`);
  }
  return value;
}

function era(raw: string | undefined): Era {
  if (raw === undefined) return DEFAULT_EMULATOR.era;
  if (!ERAS.includes(raw as Era)) throw new ConfigError(`--era must be ${ERAS.join(' or ')}, got "${raw}"`);
  return raw as Era;
}

/** An on/off environment variable: 1/true or 0/false; undefined when unset. */
function switchEnv(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!['0', '1', 'true', 'false'].includes(raw)) throw new ConfigError(`${name} must be 1/true or 0/false, got "${raw}"`);
  return raw === '1' || raw === 'true';
}

function redisUrl(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The URL may hold a password: the message names the variable, never the value.
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') throw new ConfigError(`${name} must be a redis:// or rediss:// URL`);
  return raw;
}

function baseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  return url.toString().replace(/\/$/, '');
}

/** The file wins over the env; the message names the file, never its content. */
function accessKeyOf(file: string | undefined, raw: string | undefined): string | undefined {
  if (file === undefined) return raw?.trim() || undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`--access-key-file: cannot read "${file}"`);
  }
  if (text.trim() === '') throw new ConfigError(`--access-key-file: "${file}" is empty`);
  return text.trim();
}

export function parseConfig(argv: readonly string[], env: Record<string, string | undefined>): Config {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        upstream: { type: 'string' },
        'reveal-secrets': { type: 'boolean' },
        'read-only': { type: 'boolean' },
        'request-timeout': { type: 'string' },
        'log-page-concurrency': { type: 'string' },
        seed: { type: 'string' },
        logs: { type: 'string' },
        users: { type: 'string' },
        'page-lists': { type: 'boolean' },
        'like-dialect': { type: 'string' },
        era: { type: 'string' },
        speed: { type: 'string' },
        federation: { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        'redis-url': { type: 'string' },
        'no-metrics': { type: 'boolean' },
        'log-level': { type: 'string' },
        'trusted-documents': { type: 'string' },
        dashboard: { type: 'boolean' },
        'access-key-file': { type: 'string' },
        ...Object.fromEntries(TUNABLES.map(([flag]) => [flag, { type: 'string' as const }])),
        'no-introspection': { type: 'boolean' },
        'no-fast-path': { type: 'boolean' },
        'cors-origin': { type: 'string', multiple: true },
        heartbeat: { type: 'string' },
        'subscription-lease': { type: 'string' },
        'heap-growth': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  const name = positionals[0] ?? 'serve';
  if (!COMMANDS.includes(name as Command)) throw new ConfigError(`unknown command "${name}" (expected ${COMMANDS.join(', ')})`);
  if (positionals.length > 1) throw new ConfigError(`unexpected argument "${positionals[1]}"`);
  const command = values.help ? 'help' : (name as Command);

  const portFlag = values.port !== undefined ? ['--port', values.port] : ['PORT', env.PORT];
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  if (host.trim() === '') throw new ConfigError('--host must not be empty');
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`${values['log-level'] !== undefined ? '--log-level' : 'LOG_LEVEL'} must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const trustedDocuments = values['trusted-documents'] ?? (env.TRUSTED_DOCUMENTS || undefined);
  if (trustedDocuments !== undefined && !existsSync(trustedDocuments)) {
    throw new ConfigError(`${values['trusted-documents'] !== undefined ? '--trusted-documents' : 'TRUSTED_DOCUMENTS'}: no such file "${trustedDocuments}"`);
  }
  const likeDialect = values['like-dialect'] ?? 'escaped';
  if (!LIKE_DIALECTS.includes(likeDialect as LikeDialect)) throw new ConfigError(`--like-dialect must be one of ${LIKE_DIALECTS.join(', ')}, got "${likeDialect}"`);
  const tuned = { limits: {} as Record<string, number>, http: {} as Record<string, number>, live: {} as Record<string, number> };
  for (const [flag, envName, where, key, min, max] of TUNABLES) {
    const raw = (values as Record<string, unknown>)[flag] as string | undefined;
    const value = raw ?? env[envName];
    if (value !== undefined && value !== '') tuned[where][key] = integer(raw !== undefined ? `--${flag}` : envName, value, 0, min, max);
  }
  const live: Partial<LiveOptions> = tuned.live;
  if ((live.minMs ?? DEFAULT_LIVE.minMs) > (live.maxMs ?? DEFAULT_LIVE.maxMs)) {
    throw new ConfigError(`--poll-min-interval (${live.minMs ?? DEFAULT_LIVE.minMs}) must not exceed --poll-max-interval (${live.maxMs ?? DEFAULT_LIVE.maxMs})`);
  }
  const corsOrigins = (values['cors-origin'] as string[] | undefined) ?? (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`a CORS origin must look like https://host[:port], got "${origin}"`);
  const accessKey = accessKeyOf(values['access-key-file'], env.YESCALE_ACCESS_KEY);
  if (command === 'check' && !accessKey) throw new ConfigError('check needs YESCALE_ACCESS_KEY or --access-key-file');
  const upstreamFlag = values.upstream !== undefined ? ['--upstream', values.upstream] : ['YESCALE_BASE_URL', env.YESCALE_BASE_URL || DEFAULT_UPSTREAM];
  return {
    command,
    port: integer(portFlag[0]!, portFlag[1], command === 'emulator' ? 4010 : 4000, 0, 65535),
    host,
    upstream: baseUrl(upstreamFlag[0]!, upstreamFlag[1]!),
    accessKey,
    revealSecrets: values['reveal-secrets'] ?? switchEnv('YESCALE_REVEAL_SECRETS', env.YESCALE_REVEAL_SECRETS) ?? DEFAULT_SETTINGS.revealSecrets,
    readOnly: values['read-only'] ?? switchEnv('YESCALE_READ_ONLY', env.YESCALE_READ_ONLY) ?? false,
    federation: values.federation ?? false,
    seed: integer('--seed', values.seed, DEFAULT_EMULATOR.seed, 0, 2 ** 31 - 1),
    logs: integer('--logs', values.logs, DEFAULT_EMULATOR.logsPerUser, 0, 10_000_000),
    users: integer('--users', values.users, DEFAULT_EMULATOR.users, 0, MAX_GENERATED_USERS),
    pageLists: values['page-lists'] ?? false,
    likeDialect: likeDialect as LikeDialect,
    era: era(values.era),
    speed: speed(values.speed),
    requestTimeoutMs: integer(
      values['request-timeout'] !== undefined ? '--request-timeout' : 'REQUEST_TIMEOUT_MS',
      values['request-timeout'] ?? env.REQUEST_TIMEOUT_MS,
      DEFAULT_REQUEST_TIMEOUT_MS,
      100,
      600_000,
    ),
    logPageConcurrency: integer(
      values['log-page-concurrency'] !== undefined ? '--log-page-concurrency' : 'LOG_PAGE_CONCURRENCY',
      values['log-page-concurrency'] ?? env.LOG_PAGE_CONCURRENCY,
      DEFAULT_SETTINGS.logPageConcurrency,
      1,
      64,
    ),
    responseCache: !values['no-cache'] && switchEnv('CACHE', env.CACHE) !== false,
    redisUrl: values['redis-url'] !== undefined ? redisUrl('--redis-url', values['redis-url']) : redisUrl('REDIS_URL', env.REDIS_URL),
    metrics: !values['no-metrics'] && switchEnv('METRICS', env.METRICS) !== false,
    logLevel: logLevel as LogLevel,
    trustedDocuments,
    dashboard: values.dashboard ?? switchEnv('DASHBOARD', env.DASHBOARD) ?? command === 'demo',
    limits: tuned.limits,
    http: tuned.http,
    introspection: !values['no-introspection'] && switchEnv('INTROSPECTION', env.INTROSPECTION) !== false,
    fastPath: !values['no-fast-path'] && switchEnv('FAST_PATH', env.FAST_PATH) !== false,
    corsOrigins,
    live,
    heartbeatMs: integer(values.heartbeat !== undefined ? '--heartbeat' : 'HEARTBEAT_MS', values.heartbeat ?? env.HEARTBEAT_MS, DEFAULT_HEARTBEAT_MS, 1_000, 600_000),
    subscriptionLeaseMs: integer(values['subscription-lease'] !== undefined ? '--subscription-lease' : 'SUBSCRIPTION_LEASE_MS', values['subscription-lease'] ?? env.SUBSCRIPTION_LEASE_MS, DEFAULT_LEASE_MS, 1_000, 600_000),
    heapGrowthPercent: integer(values['heap-growth'] !== undefined ? '--heap-growth' : 'HEAP_GROWTH_PERCENT', values['heap-growth'] ?? env.HEAP_GROWTH_PERCENT, DEFAULT_HEAP_GROWTH_PERCENT, 0, 1_000),
  };
}
