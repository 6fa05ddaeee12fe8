/**
 * A small bounded load run (the big one is `npm run bench:load`): 2,000 requests, 100 in
 * flight, 2% of upstream calls failing in every non-blocking fault mode. The process stays up,
 * every answer is data or coded errors, nothing is left in flight or queued, and the heap
 * returns near its baseline after GC (a generous bound: this checks for leaks, not speed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collectGarbage, runLoad } from '../bench/load-driver.js';
import { createEmulator, type Emulator } from '../src/emulator/index.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';

let emulator: Emulator;
let gateway: Gateway;
let server: RunningServer;
beforeAll(async () => {
  emulator = createEmulator({ speed: 0, logsPerUser: 2_000 });
  const upstream = await emulator.listen(0, '127.0.0.1');
  gateway = createGateway({ upstream, requestTimeoutMs: 5_000, http: { retryBaseDelayMs: 5, rateLimitDelayMs: 20 } });
  server = await startServer(gateway, 0, '127.0.0.1');
});
afterAll(async () => {
  await server.close();
  await emulator.close();
});

it('2,000 requests at 100 concurrency with 2% upstream faults: no crash, every answer data or a coded error, no leak', async () => {
  await runLoad({ url: server.url, emulator, requests: 200, concurrency: 50, faultRate: 0 }); // warm-up
  await collectGarbage();
  const baseline = process.memoryUsage().heapUsed;

  const result = await runLoad({ url: server.url, emulator, requests: 2_000, concurrency: 100, faultRate: 0.02 });
  expect(result.bad).toEqual([]);
  expect(result.ok + result.codedErrors).toBe(2_000);
  expect(result.ok).toBeGreaterThan(1_500);
  expect(result.codedErrors).toBeGreaterThan(0); // the faults did reach callers (after retries)
  expect(Object.keys(result.byCode).every((code) => ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'RATE_LIMITED', 'UNAUTHENTICATED'].includes(code))).toBe(true);

  // nothing held: no limiter slot, no queued caller, no shared call left behind
  expect(gateway.upstream.load()).toEqual({ active: 0, queued: 0, inFlight: 0 });
  // still answering
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${emulator.demoAccessKey}` },
    body: JSON.stringify({ query: 'query After { me { username } }' }),
  });
  expect(((await res.json()) as any).data.me.username).toBe('demo');

  await collectGarbage();
  const growth = process.memoryUsage().heapUsed - baseline;
  expect(growth).toBeLessThan(64 * 1024 * 1024);
}, 120_000);
