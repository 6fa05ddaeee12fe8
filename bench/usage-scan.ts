/**
 * `npx tsx bench/usage-scan.ts`: the usage page reader alone (src/usage/page.ts aggregatePage,
 * what a worker thread runs for each page) against `JSON.parse` of the same pages, in one process,
 * CPU time: the part of `npm run bench:usage` that is the scanner's, without the HTTP, the threads
 * or the machine's other load in the way. Ten 10,000-entry pages of the emulator's, read in turns
 * with JSON.parse (of the UTF-8 text, as bench:usage's floor), best of ROUNDS each.
 */
import { Buffer } from 'node:buffer';
import { createEmulator } from '../src/emulator/index.js';
import type { UsageDimension } from '../src/usage/aggregate.js';
import { aggregatePage, type PageTask } from '../src/usage/page.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const GROUPINGS: UsageDimension[][] = [[], ['DAY', 'MODEL']];

const emulator = createEmulator({ logsPerUser: 100_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
const url = await emulator.listen(0, '127.0.0.1');
const pages: Buffer[] = [];
for (let p = 1; p <= 10; p++) {
  const res = await fetch(`${url}/yescale/logs?p=${p}&page_size=10000`, { headers: { authorization: `Bearer ${emulator.demoAccessKey}` } });
  pages.push(Buffer.from(await res.arrayBuffer()));
}
await emulator.close();
const texts = pages.map((page) => page.toString('utf8'));

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const scan = (groupBy: UsageDimension[]) => () => {
  for (const bytes of pages) {
    const task: PageTask = { path: '/yescale/logs', status: 200, skip: 0, bytes, aggregators: [{ groupBy, timeZone: 'UTC', maxGroups: Infinity }] };
    if (aggregatePage(task).count !== 10_000) throw new Error('a page was not read whole');
  }
};
const parse = () => {
  for (const text of texts) JSON.parse(text);
};
const runs: [string, () => void][] = [['JSON.parse', parse], ...GROUPINGS.map((groupBy): [string, () => void] => [`scan, groupBy [${groupBy.join(', ')}]`, scan(groupBy)])];
const best = runs.map(() => Infinity);
for (let round = 0; round < ROUNDS; round++) {
  runs.forEach(([, run], i) => {
    const started = cpuMs();
    run();
    best[i] = Math.min(best[i], cpuMs() - started);
  });
}
const mb = pages.reduce((sum, page) => sum + page.length, 0) / 1024 / 1024;
console.log(`${mb.toFixed(0)} MB in 10 pages, best CPU time of ${ROUNDS} rounds, Node ${process.version}`);
runs.forEach(([name], i) => console.log(`${name.padEnd(28)} ${best[i].toFixed(0).padStart(5)} ms  ${(best[i] / best[0]).toFixed(2)}x JSON.parse`));
