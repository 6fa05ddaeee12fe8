/** The markdown of docs/benchmarks.md's peer section: the table, the machine, the other load. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fmtCalls, fmtInt, fmtMs, median } from './numbers.js';
import { ALL_SERVERS, queryTitle, type BenchResult, type QueryId, type ServerName, type ServerResult } from './options.js';

export function markdownTable(r: BenchResult): string {
  const ours = r.servers.find((s) => s.name === 'ours');
  const oursRps = (q: QueryId) => ours?.queries.find((x) => x.query === q)?.rps;
  const lines = [
    '| query | server | req/s | vs ours | p50 ms | p99 ms | upstream calls / request (alone · under load) | peak RSS MiB | server CPU | bad responses |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const queries = r.options.queries;
  for (const q of queries) {
    // in ALL_SERVERS' order whatever --peers said: the floors come last
    const rows: ServerResult[] = [...r.servers].sort((a, b) => ALL_SERVERS.indexOf(a.name as ServerName) - ALL_SERVERS.indexOf(b.name as ServerName));
    if (q === 'me' && r.floor) rows.push(r.floor);
    for (const s of rows) {
      if (s.failed && !s.queries.some((x) => x.query === q)) {
        lines.push(`| ${queryTitle(q, r.options.callers)} | ${s.label} | failed: ${s.failed.replaceAll('|', '\\|')} | | | | | | | |`);
        continue;
      }
      const x = s.queries.find((y) => y.query === q);
      if (!x) continue;
      const base = oursRps(q);
      const ratio = base ? `${(x.rps / base).toFixed(2)}×` : '—';
      lines.push(
        `| ${queryTitle(q, r.options.callers)} | ${s.name === 'ours' ? `**${s.label}**` : s.label} | ${fmtInt(x.rps)} | ${ratio} | ${fmtMs(x.p50Ms)} | ${fmtMs(x.p99Ms)} | ` +
          `${fmtCalls(x.callsPerRequest)} · ${x.callsUnderLoad.toFixed(2)} | ${Math.round(x.peakRssMiB)} | ${Math.round(x.serverCpu * 100)}% | ${x.errors} |`,
      );
    }
  }
  return lines.join('\n');
}

export function machineLine(r: BenchResult): string {
  const m = r.machine;
  return (
    `${r.date.slice(0, 16).replace('T', ' ')} UTC · gateway at ${r.revision} · ${m.cpus} × ${m.cpuModel} · ${m.memGiB} GiB · ${m.kernel} · Node ${m.node} · ` +
    `${r.options.load === 'wrk' ? `wrk ${m.wrk ?? '?'}` : 'built-in Node load loop'} -t1 -c${r.options.connections} · ` +
    `${r.options.rounds} × ${r.options.durationS} s rounds after ${r.options.warmupS} s warm-up${r.options.interleave ? ', taken in turn across servers' : ''}, medians · ` +
    (m.pinned ? 'server on cpu 1, load + emulator on cpu 0 (taskset)' : 'not pinned')
  );
}

/** How busy the rest of the machine was while we measured (shared machines make numbers noisy). */
export function otherLoadLine(r: BenchResult): string {
  const all = [...r.servers, ...(r.floor ? [r.floor] : [])].flatMap((s) => s.queries.flatMap((q) => q.rounds.map((x) => x.foreignCpu)));
  if (!all.length) return '';
  const worst = Math.max(...all);
  return (
    `Other processes on the machine used ${Math.round(median(all) * 100)}% of a core in the median measured round, ${Math.round(worst * 100)}% at most` +
    (worst > 0.15 ? ' — rounds with other load are noisy; rerun on a quiet machine to compare closely.' : '.')
  );
}

/** The performance targets on query (4), many callers: this gateway (cache off) at least 2× Apollo, at least 1.0× Tailcall. */
const TARGETS: { peer: ServerName; min: number }[] = [
  { peer: 'apollo', min: 2 },
  { peer: 'tailcall', min: 1 },
];

/** The targets as ratios of req/s on (4), and any answer that reached the wrong caller. */
export function manyCallersLines(r: BenchResult): string[] {
  const rps = (name: ServerName) => r.servers.find((s) => s.name === name)?.queries.find((x) => x.query === 'many')?.rps;
  const lines: string[] = [];
  const ours = rps('ours');
  if (ours !== undefined) {
    const ratios = TARGETS.map(({ peer, min }) => {
      const theirs = rps(peer);
      if (!theirs) return `ours / ${peer}: not measured (target ≥ ${min.toFixed(1)}×)`;
      const ratio = ours / theirs;
      return `ours / ${peer} = **${ratio.toFixed(2)}×** (target ≥ ${min.toFixed(1)}×: ${ratio >= min ? 'met' : 'not met'})`;
    });
    lines.push(`Targets on ${queryTitle('many', r.options.callers)}, req/s of this gateway with its cache off: ${ratios.join('; ')}.`);
    // what no GraphQL server can beat by much: the same upstream calls without any GraphQL. CPU per request
    // too: a floor that does not fill its core is held by the emulator or the load, and req/s understate its lead.
    const floor = rps('node-floor');
    if (floor) {
      const cpuMs = (name: ServerName) => {
        const x = r.servers.find((s) => s.name === name)?.queries.find((q) => q.query === 'many');
        return x && x.rps ? ((x.serverCpu / x.rps) * 1000).toFixed(2) : '?';
      };
      lines.push(
        `On the same query ours did **${(ours / floor).toFixed(2)}×** the req/s of the Node floor (node:http + undici, the same upstream calls, no GraphQL), ` +
          `with ${cpuMs('ours')} ms of server CPU per request against the floor's ${cpuMs('node-floor')} ms.`,
      );
    }
  }
  const crossed = r.servers.flatMap((s) => s.queries.filter((x) => x.wrongCaller > 0).map((x) => `${s.name} ${x.query}: ${x.wrongCaller}`));
  if (crossed.length) lines.push(`**Answers that named another caller than the one that asked**: ${crossed.join('; ')}.`);
  return lines;
}

/** Replace the section between `begin` and `end` of a markdown file (append it if absent); the rest stays. */
export function replaceSection(file: string, begin: string, end: string, body: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = old.indexOf(begin);
  const b = old.indexOf(end);
  const next = a >= 0 && b > a ? old.slice(0, a) + body + old.slice(b + end.length) : `${old.replace(/\n*$/, '\n\n')}${body}\n`;
  writeFileSync(file, next);
}
