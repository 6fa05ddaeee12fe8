/**
 * `npm run bench:alternate`: builds of this gateway (or one build under different settings) side by
 * side on one emulator, measured in short wrk windows taken in turn, so that the other load of a
 * shared machine falls on all of them alike. Prints req/s, server CPU % and CPU per request (from
 * /proc), medians over the cycles, and each one's CPU per request against the first.
 *
 *   npm run bench:alternate -- [--cycles 6] [--duration 3] [--query me|keys|logs50|dashboard|many] [--redis] NAME=DIR[:ENV=V,...] ...
 *
 * `many` is query (4) of `npm run bench`: the dashboard from 100 callers in turn (the emulator gets 100 users).
 *
 * DIR holds a built gateway (dist/main.js; another commit: `git worktree add` or `git archive`, then
 * `npm run build` there). `--redis` starts a redis-server and puts its URL for `$REDIS` in the settings,
 * e.g. `cached-redis=.:REDIS_URL=$REDIS/1` (one database each, so no two gateways share entries).
 * Gateways on cpu 1, wrk, the emulator and Redis on cpu 0, as `npm run bench`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { groupSample, CLK_TCK } from './cpu.js';
import { wrkLoad } from './load-wrk.js';
import { BENCH_DIR, DEFAULT_OPTIONS, ROOT } from './options.js';
import { median } from './numbers.js';
import { ourSchemaProbes } from './peers/ours.js';
import { emulatorKeys, freePort, start, stop, waitHealthy, type Proc } from './process.js';

const now = Math.floor(Date.now() / 1000);
const window = { fromUnix: now - 86_400, toUnix: now, fromIso: new Date((now - 86_400) * 1000).toISOString(), toIso: new Date(now * 1000).toISOString() };
const probes = ourSchemaProbes('/graphql', window);
/** the bodies sent: the bench's own documents (bench/peers/ours.ts), and one more */
const QUERIES: Record<string, object> = {
  me: probes.me.body,
  keys: { query: '{ apiKeys { name status remainQuota } }' },
  logs50: probes.logs50.body,
  dashboard: probes.dashboard.body,
  many: probes.many.body,
};
const MANY_CALLERS = 100;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cycles: { type: 'string', default: '6' }, duration: { type: 'string', default: '3' }, query: { type: 'string', default: 'me' }, redis: { type: 'boolean', default: false } },
});
const gateways = positionals.map((spec) => {
  const [, name, dir, settings] = /^([\w.-]+)=([^:]+)(?::(.*))?$/.exec(spec) ?? [];
  if (!name) throw new Error(`expected NAME=DIR[:ENV=V,...], got ${spec}`);
  const env = Object.fromEntries((settings ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return { name, dir: path.resolve(dir), env };
});
if (gateways.length < 2 || !QUERIES[values.query]) throw new Error(`give two gateways or more, and --query ${Object.keys(QUERIES).join('|')}`);

const outDir = path.join(BENCH_DIR, '.out', 'alternate');
mkdirSync(outDir, { recursive: true });
const o = { ...DEFAULT_OPTIONS, outDir };
const procs: Proc[] = [];
try {
  let redisUrl = '';
  if (values.redis) {
    const port = await freePort();
    procs.push(start('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cwd: ROOT, cpu: 0, logDir: outDir }));
    redisUrl = `redis://127.0.0.1:${port}`;
  }
  const emuPort = await freePort();
  const users = values.query === 'many' ? MANY_CALLERS : 0;
  const emuArgs = ['dist/main.js', 'emulator', '--port', String(emuPort), '--seed', '1', '--logs', '2000', '--speed', '0', ...(users ? ['--users', String(users)] : [])];
  const emulator = start('emulator', 'node', emuArgs, { cwd: ROOT, cpu: 0, logDir: outDir });
  procs.push(emulator);
  const keys = await emulatorKeys(emulator, users);
  const servers = [];
  for (const g of gateways) {
    const port = await freePort();
    const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', ...Object.fromEntries(Object.entries(g.env).map(([k, v]) => [k, v.replace('$REDIS', redisUrl)])) };
    const proc = start(g.name, 'node', ['dist/main.js', 'serve', '--port', String(port), '--upstream', `http://127.0.0.1:${emuPort}`], { cwd: g.dir, env, cpu: 1, logDir: outDir });
    procs.push(proc);
    await waitHealthy(g.name, `http://127.0.0.1:${port}`, 60_000, proc);
    servers.push({ ...g, proc, url: `http://127.0.0.1:${port}/graphql`, windows: [] as { rps: number; cpu: number; msPerRequest: number }[] });
  }
  const bodyFile = path.join(outDir, 'body.json');
  writeFileSync(bodyFile, JSON.stringify(QUERIES[values.query]));
  const callers = users ? keys.filter((k) => /^user\d+$/.test(k.username)) : keys.filter((k) => k.username === 'demo');
  const durationS = Number(values.duration);
  for (const s of servers) await wrkLoad(s.url, bodyFile, callers, o, 2, 0, `${s.name}-warmup`);
  for (let cycle = 0; cycle < Number(values.cycles); cycle++) {
    for (const s of servers) {
      const before = groupSample(s.proc.pid).cpuTicks;
      const r = await wrkLoad(s.url, bodyFile, callers, o, durationS, 0, `${s.name}-${cycle}`);
      const cpuS = (groupSample(s.proc.pid).cpuTicks - before) / CLK_TCK;
      if (r.errors) throw new Error(`${s.name}: ${r.errors} bad answers`);
      s.windows.push({ rps: r.rps, cpu: cpuS / r.durationS, msPerRequest: (cpuS * 1000) / r.requests });
    }
  }
  const first = median(servers[0].windows.map((w) => w.msPerRequest));
  console.log(`${values.cycles} cycles of ${durationS} s windows (wrk -t1 -c${o.connections}, query ${values.query}), ${new Date().toISOString().slice(0, 16)} UTC, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| gateway | req/s | server CPU | CPU ms / request (min–max) | vs first |\n|---|--:|--:|--:|--:|');
  for (const s of servers) {
    const ms = s.windows.map((w) => w.msPerRequest);
    const row = [s.name, Math.round(median(s.windows.map((w) => w.rps))).toLocaleString('en'), `${Math.round(100 * median(s.windows.map((w) => w.cpu)))}%`, `${median(ms).toFixed(3)} (${Math.min(...ms).toFixed(3)}–${Math.max(...ms).toFixed(3)})`, `${(median(ms) / first).toFixed(2)}×`];
    console.log(`| ${row.join(' | ')} |`);
  }
} finally {
  for (const proc of procs.reverse()) await stop(proc);
}
