/**
 * What `npm run bench` measures and how (BenchOptions), and the shape of its results. Every other
 * file of the peer benchmark imports from here; this file imports none of them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');
export const PEERS_DIR = path.join(BENCH_DIR, 'peers');

/** ours: this gateway with its response cache off (no peer caches answers); ours-yoga: the same with its
 *  fast path off (src/http/fast-path.ts), every request through yoga's HTTP layer; ours-cached: its defaults;
 *  node-floor: no GraphQL, the same upstream calls (last: the table shows it under the others) */
export type ServerName = 'ours' | 'ours-yoga' | 'ours-cached' | 'apollo' | 'mesh' | 'tailcall' | 'node-floor';
export const ALL_SERVERS: readonly ServerName[] = ['ours', 'ours-yoga', 'ours-cached', 'apollo', 'mesh', 'tailcall', 'node-floor'];
/** many: the dashboard query from `callers` distinct users in turn (one access key each), so no two
 *  requests in a row can share an upstream call */
export type QueryId = 'me' | 'logs50' | 'dashboard' | 'many';
export const ALL_QUERIES: readonly QueryId[] = ['me', 'logs50', 'dashboard', 'many'];
export function queryTitle(q: QueryId, callers: number): string {
  return { me: '(1) me + balance', logs50: '(2) 50 logs + apiKey', dashboard: '(3) dashboard', many: `(4) dashboard, ${callers} callers` }[q];
}

/** One access key and the username it belongs to (answers are checked to be that user's). */
export interface Caller {
  auth: string;
  username: string;
}

export interface BenchOptions {
  servers: ServerName[];
  queries: QueryId[];
  /** wrk straight at the emulator's GET /yescale/user */
  floor: boolean;
  rounds: number;
  /** seconds per measured round */
  durationS: number;
  /** seconds of load before the measured rounds of each query (0: none) */
  warmupS: number;
  connections: number;
  /** distinct callers of query (4), round-robin: the emulator gets as many extra users (--users) */
  callers: number;
  /** wrk (the numbers) or a small built-in Node loop (only for smoke tests; it shares a core) */
  load: 'wrk' | 'node';
  /** our gateway compiled with tsc into dist/ (default) or run through tsx */
  ours: 'build' | 'tsx';
  /** apt-get install wrk / npm ci in bench/peers when missing */
  install: boolean;
  /** pin with taskset when the machine has >= 2 cores */
  pin: boolean;
  seed: number;
  logs: number;
  /** seconds the whole run may spend waiting for other processes to calm down (< 25% of a core)
   *  before a server or a round, and repeating rounds that other load disturbed; 0: never */
  quietS: number;
  /** start every server at once and take each query's rounds in turn, server after server */
  interleave: boolean;
  /** logs, generated configs and raw results */
  outDir: string;
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  servers: [...ALL_SERVERS],
  queries: [...ALL_QUERIES],
  floor: true,
  rounds: 2,
  durationS: 10,
  warmupS: 3,
  connections: 32,
  callers: 100,
  load: 'wrk',
  ours: 'build',
  install: true,
  pin: true,
  seed: 1,
  logs: 20_000,
  quietS: 120,
  interleave: false,
  outDir: path.join(BENCH_DIR, '.out'),
  log: (line) => console.log(line),
};

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** non-200 statuses + bodies with "errors" + socket errors and timeouts */
  errors: number;
}

export interface RoundResult extends LoadResult {
  /** upstream calls during the round (wrk leaves up to `connections` requests uncounted) */
  upstreamCalls: number;
  /** CPU time of the server's process group / wall time (1.0 = one core busy) */
  serverCpu: number;
  emulatorCpu: number;
  /** CPU used by processes that are not part of the benchmark (other work on the machine), in cores */
  foreignCpu: number;
  peakRssMiB: number;
}

export interface QueryResult {
  query: QueryId;
  rounds: RoundResult[];
  /** medians over rounds */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** upstream calls of one request on its own (exact) */
  callsPerRequest: number;
  /** upstream calls / request with `connections` identical requests in flight (exact: a closed loop
   *  that waits for its last answers; lower than alone when a server merges identical calls) */
  callsUnderLoad: number;
  /** answers naming another caller than the one that asked, in the closed loop (checked with many callers only) */
  wrongCaller: number;
  serverCpu: number;
  /** max over rounds of the CPU used by unrelated processes, in cores */
  foreignCpu: number;
  peakRssMiB: number;
  errors: number;
}

export interface ServerResult {
  name: ServerName | 'floor';
  label: string;
  /** how the numbers were produced, e.g. "node dist/main.js" */
  how: string;
  queries: QueryResult[];
  /** VmHWM summed over the server's processes at the end of its run */
  peakRssMiB: number;
  failed?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  node: string;
  wrk: string | null;
  pinned: boolean;
}

export interface BenchResult {
  date: string;
  /** git commit of the gateway measured, "-dirty" with uncommitted changes */
  revision: string;
  machine: Machine;
  options: Omit<BenchOptions, 'log'>;
  servers: ServerResult[];
  floor?: ServerResult;
  elapsedS: number;
}

