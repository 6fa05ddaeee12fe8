/**
 * `npm run bench:start-memory`: the RSS of an idle `node dist/main.js serve` (default settings,
 * LOG_LEVEL=warn, NODE_ENV=production, output not a terminal) 5 s and 40 s after /healthz first
 * answers, from /proc/PID/status, for builds of this gateway started in turn. At 5 s also where it
 * lies (/proc/PID/smaps): pages of the node binary, anonymous memory (the JS heap, threads' malloc
 * arenas) and malloc's main heap. Nothing is asked of the upstream (a closed loopback port).
 *
 *   npm run bench:start-memory -- [--runs 3] NAME=DIR ...
 *
 * DIR holds a built gateway (dist/main.js), as for `npm run bench:alternate`.
 */
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './options.js';
import { freePort, sleep, start, stop, waitHealthy } from './process.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' } } });
const builds = positionals.map((spec) => {
  const [name, dir] = spec.split('=');
  if (!name || !dir) throw new Error(`expected NAME=DIR, got ${spec}`);
  return { name, dir: path.resolve(dir) };
});
if (!builds.length) throw new Error('give one build or more: NAME=DIR');
const outDir = path.join(BENCH_DIR, '.out', 'start-memory');
mkdirSync(outDir, { recursive: true });

const NODE_BINARY = realpathSync(process.execPath);
const mib = (kb: number) => (kb / 1024).toFixed(1);
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/** RSS kB of the node binary's pages, of anonymous mappings, and of malloc's main heap */
function where(pid: number): { binary: number; anon: number; malloc: number } {
  const sums = { binary: 0, anon: 0, malloc: 0 };
  let kind: keyof typeof sums | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) kind = mapping[1] === '' ? 'anon' : mapping[1] === '[heap]' ? 'malloc' : mapping[1] === NODE_BINARY ? 'binary' : null;
    else if (kind && line.startsWith('Rss:')) sums[kind] += Number(line.split(/\s+/)[1]);
  }
  return sums;
}

const rows: string[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  for (const b of builds) {
    const port = await freePort();
    const args = ['dist/main.js', 'serve', '--port', String(port), '--upstream', 'http://127.0.0.1:9'];
    const proc = start(`${b.name}-${run}`, process.execPath, args, { cwd: b.dir, env: { LOG_LEVEL: 'warn', NODE_ENV: 'production' }, logDir: outDir });
    try {
      await waitHealthy(b.name, `http://127.0.0.1:${port}`, 60_000, proc);
      await sleep(5_000);
      const at5 = rssKb(proc.pid);
      const w = where(proc.pid);
      await sleep(35_000);
      rows.push(`| ${b.name} | ${mib(at5)} | ${mib(rssKb(proc.pid))} | ${mib(w.binary)} | ${mib(w.anon)} | ${mib(w.malloc)} |`);
      console.error(rows.at(-1));
    } finally {
      await stop(proc);
    }
  }
}
console.log(`${values.runs} runs each, in turn, ${new Date().toISOString().slice(0, 16)} UTC, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| build | RSS MiB at 5 s | at 40 s | at 5 s: node binary | anonymous | malloc heap |\n|---|--:|--:|--:|--:|--:|');
for (const row of rows) console.log(row);
