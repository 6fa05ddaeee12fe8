/**
 * npm run bench:load — the gateway under load with a slow, faulty upstream, all on loopback:
 * 20,000 GraphQL requests, 200 in flight, every upstream call delayed 50 ms (a small proxy in
 * front of the emulator), 2% of them failing in the emulator's fault modes. Prints figures
 * for docs/benchmarks.md. Bounded: it stops after the run (and after 10 minutes at worst).
 *   LOAD_REQUESTS, LOAD_CONCURRENCY, LOAD_LATENCY_MS, LOAD_FAULT_RATE override the defaults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectGarbage, runLoad } from './load-driver.js';
import { createEmulator } from '../src/emulator/index.js';
import { createGateway } from '../src/gateway.js';
import { startServer } from '../src/http/server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const requests = env('LOAD_REQUESTS', 20_000);
const concurrency = env('LOAD_CONCURRENCY', 200);
const latencyMs = env('LOAD_LATENCY_MS', 50);
const faultRate = env('LOAD_FAULT_RATE', 0.02);
setTimeout(() => {
  console.error('bench:load: over 10 minutes, giving up');
  process.exit(1);
}, 600_000).unref();

/** Every upstream call waits `latencyMs`, then goes to the emulator as is. */
async function latencyProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', () => res.destroy()); // a reset upstream is a reset for the gateway too
      req.pipe(upstream);
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

const emulator = createEmulator({ speed: 0, logsPerUser: 20_000 });
const proxy = await latencyProxy(await emulator.listen(0, '127.0.0.1'));
const gateway = createGateway({ upstream: proxy.url });
const server = await startServer(gateway, 0, '127.0.0.1');
let upstreamCalls = 0;
gateway.upstream.onCall(() => upstreamCalls++);

await runLoad({ url: server.url, emulator, requests: 500, concurrency: 50, faultRate: 0 }); // warm-up
await collectGarbage();
const before = process.memoryUsage();
upstreamCalls = 0;
emulator.resetStats();

const result = await runLoad({ url: server.url, emulator, requests, concurrency, faultRate });
const peak = process.memoryUsage();
const upstreamRequests = emulator.stats().total;
const held = gateway.upstream.load();
await collectGarbage();
const after = process.memoryUsage();

console.log(`## Load: ${requests} requests, ${concurrency} concurrent, upstream +${latencyMs} ms, ${faultRate * 100}% faults`);
console.log(`| figure | value |\n|---|---|`);
console.log(`| wall time | ${(result.ms / 1000).toFixed(1)} s (${Math.round(requests / (result.ms / 1000))} requests/s) |`);
console.log(`| answers: data / coded errors / other | ${result.ok} / ${result.codedErrors} / ${result.bad.length} |`);
console.log(`| error codes | ${Object.entries(result.byCode).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'} |`);
console.log(`| latency p50 / p99 / max | ${result.latencyMs.p50} / ${result.latencyMs.p99} / ${result.latencyMs.max} ms |`);
console.log(`| upstream attempts (gateway) / requests seen by the emulator | ${upstreamCalls} / ${upstreamRequests} |`);
console.log(`| left in flight / queued after the run | ${held.inFlight} / ${held.queued} |`);
console.log(`| heap used: before / peak / after GC | ${mb(before.heapUsed)} / ${mb(peak.heapUsed)} / ${mb(after.heapUsed)} MB |`);
console.log(`| RSS: before / peak / after GC | ${mb(before.rss)} / ${mb(peak.rss)} / ${mb(after.rss)} MB |`);
if (result.bad.length > 0) console.log('unexpected answers:', result.bad.slice(0, 5));

await server.close();
await proxy.close();
await emulator.close();
process.exit(result.bad.length > 0 ? 1 : 0);
