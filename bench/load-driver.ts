/**
 * The load driver shared by bench/load.ts and test/load.test.ts: N GraphQL requests over
 * loopback with C in flight, a mix of every root field and join across the emulator's users,
 * and the emulator's faults switched on for `faultRate` of the upstream calls, rotating
 * through the fault modes. Every answer is classified: data, or errors that all carry a code.
 */
import { FAULT_MODES, type Emulator, type FaultMode } from '../src/emulator/index.js';
import { percentile } from './numbers.js';

export interface LoadOptions {
  url: string;
  emulator: Emulator;
  requests: number;
  concurrency: number;
  /** share of upstream calls that fail, e.g. 0.02 */
  faultRate: number;
  /** modes to rotate through, one per slice of the run */
  modes?: readonly FaultMode[];
}

export interface LoadResult {
  requests: number;
  ok: number;
  codedErrors: number;
  /** answers that are neither: must be 0 */
  bad: { status: number; body: string }[];
  byCode: Record<string, number>;
  ms: number;
  latencyMs: { p50: number; p99: number; max: number };
}

const WINDOW = `{ from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }`;
/** Unique operation names keep any response cache out of the way: every request reaches the resolvers. */
const QUERIES: ((i: number) => string)[] = [
  (i) => `query L${i} { me { username quotaUsd } }`,
  (i) => `query L${i} { apiKeys { name status } }`,
  (i) => `query L${i} { logs(first: ${1 + (i % 50)}) { totalCount edges { node { id modelName quota } } } }`,
  (i) => `query L${i} { tasks(filter: ${WINDOW}) { id status } }`,
  (i) => `query L${i} { me { apiKeys { name logs(first: 2) { modelName } } } }`,
  (i) => `query L${i} { me { username } logs(first: 5) { edges { node { apiKey { name } } } } }`,
];

/** Faults that would each hold a request until its deadline are left to the resilience suite. */
export const LOAD_FAULT_MODES: readonly FaultMode[] = FAULT_MODES.filter((m) => m !== 'latency' && m !== 'hang' && m !== 'slowDrip');

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const modes = options.modes ?? LOAD_FAULT_MODES;
  const slice = Math.max(1, Math.ceil(options.requests / modes.length));
  const users = options.emulator.users;
  const result: LoadResult = { requests: options.requests, ok: 0, codedErrors: 0, bad: [], byCode: {}, ms: 0, latencyMs: { p50: 0, p99: 0, max: 0 } };
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();

  const one = async (i: number) => {
    if (i % slice === 0) options.emulator.setFault({ mode: modes[Math.floor(i / slice) % modes.length]!, rate: options.faultRate });
    const user = users[i % users.length]!;
    const t0 = performance.now();
    const res = await fetch(`${options.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessKey}` },
      body: JSON.stringify({ query: QUERIES[i % QUERIES.length]!(i) }),
    });
    const text = await res.text();
    latencies.push(performance.now() - t0);
    let body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } | null = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    const codes = body?.errors?.map((e) => e.extensions?.code) ?? [];
    if (res.status === 200 && body?.data && codes.length === 0) result.ok++;
    else if (res.status === 200 && codes.length > 0 && codes.every((c): c is string => typeof c === 'string')) {
      result.codedErrors++;
      for (const code of codes) result.byCode[code] = (result.byCode[code] ?? 0) + 1;
    } else result.bad.push({ status: res.status, body: text.slice(0, 300) });
  };

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests) await one(next++);
    }),
  );
  options.emulator.setFault(null);
  result.ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(latencies, p) * 10) / 10;
  result.latencyMs = { p50: at(50), p99: at(99), max: at(100) };
  return result;
}

/** A full garbage collection, without starting node with --expose-gc. */
export async function collectGarbage(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
