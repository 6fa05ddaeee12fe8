/**
 * `npm run bench:export`: `GET /export/logs.csv` over a million log entries, against the baseline of
 * the same run: `usage(groupBy: [DAY, MODEL])` over the same history (the same walk, aggregated
 * instead of written out).
 *
 * The upstream is bench/usage.ts's child (the emulator behind a recording proxy); the gateway is the
 * built CLI in its own process, its peak RSS read from /proc after the exports and again after the
 * usage runs. Live: pages generated on demand; replay: the recorded pages, so the time is the gateway's.
 * The section between the `export:start`/`export:end` markers of docs/benchmarks.md is rewritten.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { waitHealthy } from './process.js';

const ENTRIES = Number(process.env.BENCH_USAGE_ENTRIES ?? 1_000_000);
const DOC = new URL('../docs/benchmarks.md', import.meta.url);
const USAGE = '{ usage(filter: { type: null }, groupBy: [DAY, MODEL]) { totals { requests } groups { day model quotaUsd } } }';

const peakMb = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** One export, read and counted as it streams (nothing kept): wall time, rows, bytes. */
function exportOnce(url: string, key: string): Promise<{ ms: number; rows: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http.get(`${url}/export/logs.csv`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let lines = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => (res.complete ? resolve({ ms: performance.now() - started, rows: lines - 1, bytes }) : reject(new Error('export cut short'))));
      res.on('error', reject);
    });
  });
}

async function usageOnce(url: string, key: string): Promise<{ ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: USAGE }),
  });
  const body = (await res.json()) as any;
  if (body.errors || body.data.usage.totals.requests !== ENTRIES) throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms: performance.now() - started };
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
  const upstream = fork(fileURLToPath(new URL('./usage.ts', import.meta.url)), ['--upstream'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const upstreamUrl = await new Promise<string>((resolve) => upstream.once('message', (m: any) => resolve(m.url)));
  const control = async (what: string) => (await (await fetch(`${upstreamUrl}/__bench/${what}`)).json()) as { calls: number; key: string };
  const { key } = await control('stats');
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const gateway = spawn(
    process.execPath,
    ['dist/main.js', 'serve', '--port', String(port), '--upstream', upstreamUrl, '--no-cache', '--request-timeout', '600000', '--log-level', 'warn'],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy('gateway', url, 30_000);
  const baseMb = peakMb(gateway.pid!);

  console.error(`export of ${ENTRIES.toLocaleString('en-US')} log entries, ${os.cpus().length} cores, Node ${process.version}`);
  await control('reset');
  const live = await exportOnce(url, key);
  const liveCalls = (await control('stats')).calls;
  const liveUsage = await usageOnce(url, key);
  await control('replay');
  const replay = await exportOnce(url, key);
  const exportPeakMb = peakMb(gateway.pid!);
  const replayUsage = await usageOnce(url, key);
  const allPeakMb = peakMb(gateway.pid!);
  gateway.kill('SIGTERM');
  upstream.disconnect();
  if (live.rows !== ENTRIES || replay.rows !== ENTRIES) throw new Error(`rows: ${live.rows} live, ${replay.rows} replayed`);

  const s = (ms: number) => (ms / 1000).toFixed(1);
  const section = [
    '## CSV export of a million log entries (`npm run bench:export`)',
    '',
    `\`GET /export/logs.csv\` over the emulator's ${ENTRIES.toLocaleString('en-US')} entries (${(live.bytes / 1024 / 1024).toFixed(0)} MB of CSV), 2,000-entry pages, 4 at once,`,
    `against \`usage(groupBy: [DAY, MODEL])\` over the same history in the same run (10,000-entry pages). ${os.cpus().length} cores`,
    `(load average ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Upstream as in bench:usage`,
    '(live: pages generated on demand; replay: the recorded pages). The client counts lines and keeps nothing.',
    '',
    '| measure | export | usage (baseline) | export / usage |',
    '|---|---|---|---|',
    `| wall time, live | ${s(live.ms)} s | ${s(liveUsage.ms)} s | ${(live.ms / liveUsage.ms).toFixed(2)}x |`,
    `| wall time, replay | ${s(replay.ms)} s | ${s(replayUsage.ms)} s | ${(replay.ms / replayUsage.ms).toFixed(2)}x |`,
    `| upstream calls | ${liveCalls} | | |`,
    `| peak RSS of the gateway | ${exportPeakMb.toFixed(0)} MB after the exports (${baseMb.toFixed(0)} MB at start) | ${allPeakMb.toFixed(0)} MB after all runs | |`,
    '',
    'The export decodes every entry as UTF-8, builds its record (with the LogEntry id: a SHA-1 of the entry) and writes',
    "CSV; the usage walk reads a few fields from latin1 text. The RSS is V8's heap growing between collections, not",
    'rows kept: `test/export.test.ts` streams the same million under a 128 MB heap cap with a peak RSS near 215 MB.',
    '',
  ].join('\n');
  console.log(section);
  const doc = readFileSync(DOC, 'utf8');
  const block = `<!-- export:start -->\n${section}<!-- export:end -->`;
  const marked = /<!-- export:start -->[\s\S]*<!-- export:end -->/;
  writeFileSync(DOC, marked.test(doc) ? doc.replace(marked, block) : `${doc.trimEnd()}\n\n${block}\n`);
}

await main();
