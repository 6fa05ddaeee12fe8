/**
 * `npm run bench:call`: the CPU of one upstream call, without GraphQL. The gateway's client
 * (`UpstreamHttp.getData`: in-flight dedupe, retries, breaker, limiter, body read, envelope) against
 * undici's `Pool.request` + `body.text()` + `JSON.parse`, what a Node server usually does for the same
 * call (undici's `dispatch`, which the client itself now uses, costs a little less: docs/benchmarks.md,
 * "Round six: the upstream call path"), in alternating windows of one process. Each call asks a distinct URL (an extra `n`
 * parameter the emulator ignores), so nothing is merged in flight; 32 at once, one access key,
 * its per-key cap raised to 32 as the pool's. The emulator runs in its own process on cpu 0.
 *
 *   npm run build && npm run bench:call -- [--path /yescale/logs?p=1&page_size=20] [--calls 8000] [--rounds 4]
 *
 * (the emulator is dist/main.js; the client under test is src/, run by tsx). GC is the pause time V8
 * reports, observed asynchronously: a window's last collection may be counted in the next one.
 */
import { mkdirSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { Pool } from 'undici';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp } from '../src/upstream/http.js';
import { toCredential } from '../src/upstream/credential.js';
import { median } from './numbers.js';
import { BENCH_DIR, ROOT } from './options.js';
import { freePort, start, stop, waitFor } from './process.js';

const { values } = parseArgs({
  options: { path: { type: 'string', default: '/yescale/logs?p=1&page_size=20' }, calls: { type: 'string', default: '8000' }, rounds: { type: 'string', default: '4' } },
});
const CONCURRENCY = 32;
const outDir = path.join(BENCH_DIR, '.out', 'call');
mkdirSync(outDir, { recursive: true });
const port = await freePort();
const emulator = start('emulator', 'node', ['dist/main.js', 'emulator', '--port', String(port), '--seed', '1', '--logs', '2000', '--speed', '0'], { cwd: ROOT, cpu: 0, logDir: outDir });
try {
  const key = await waitFor('emulator', () => /access key of demo: (\S+)/.exec(emulator.output())?.[1], 60_000, emulator);
  const origin = `http://127.0.0.1:${port}`;
  const [route, search] = values.path.split('?');
  const query = Object.fromEntries(new URLSearchParams(search ?? ''));
  const pool = new Pool(origin, { connections: CONCURRENCY });
  const http = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: origin, maxConcurrentPerCredential: CONCURRENCY });
  const credential = toCredential(key);
  const requestSignal = new AbortController().signal;
  let n = 0;
  const ways: Record<string, () => Promise<unknown>> = {
    undici: async () => {
      const res = await pool.request({ method: 'GET', path: `${route}?${new URLSearchParams({ ...query, n: String(n++) })}`, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
      return (JSON.parse(await res.body.text()) as { data: unknown }).data;
    },
    // one request signal for all calls, as the gateway's requests share one per window (src/upstream/deadlines.ts)
    gateway: () => http.getData(route, { ...query, n: n++ }, { credential, signal: requestSignal, deadline: Date.now() + 30_000, upstreamCalls: 0 }),
  };
  const run = async (call: () => Promise<unknown>, total: number) => {
    let started = 0;
    const worker = async () => {
      while (started++ < total) await call();
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  const calls = Number(values.calls);
  const perCall: Record<string, number[]> = { undici: [], gateway: [] };
  /** time in garbage collection per call, µs (the pauses V8 reports) */
  const gcPerCall: Record<string, number[]> = { undici: [], gateway: [] };
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((entry) => (gcMs += entry.duration)));
  gc.observe({ entryTypes: ['gc'] });
  for (const call of Object.values(ways)) await run(call, calls / 4); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, call] of Object.entries(ways)) {
      const before = process.cpuUsage();
      const gcBefore = gcMs;
      await run(call, calls);
      const used = process.cpuUsage(before);
      perCall[name].push((used.user + used.system) / calls);
      gcPerCall[name].push(((gcMs - gcBefore) * 1000) / calls);
    }
  }
  gc.disconnect();
  console.log(`CPU µs per call of GET ${values.path}, ${calls} calls a window, ${CONCURRENCY} at once, median of ${values.rounds} (min–max); of which in GC`);
  for (const [name, xs] of Object.entries(perCall)) {
    console.log(`  ${name.padEnd(8)} ${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}); GC ${median(gcPerCall[name]).toFixed(1)}`);
  }
  console.log(`  gateway / undici: ${(median(perCall.gateway) / median(perCall.undici)).toFixed(2)}x`);
  await pool.close();
  await http.close();
} finally {
  await stop(emulator);
}
