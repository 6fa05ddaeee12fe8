/**
 * Measuring one query on one server: the answer checked and its upstream calls counted alone
 * (verify), then warm-up, upstream calls under load, and the measured rounds with CPU, memory and
 * other load sampled (measure), summarized as medians (summarize).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLK_TCK, NOISY, groupSample, rssSampler, selfTicks, systemBusyTicks, waitQuiet, type QuietBudget } from './cpu.js';
import { request } from './http.js';
import { nodeLoad } from './load-node.js';
import { wrkLoad } from './load-wrk.js';
import type { BenchOptions, Caller, QueryId, QueryResult, RoundResult } from './options.js';
import { sleep, type Proc } from './process.js';
import type { Server } from './peers/spec.js';
import { fmtInt, fmtMs, median } from './numbers.js';

export interface Emu {
  proc: Proc;
  url: string;
  /** the demo user: queries (1)-(3), the floor, start-up probes */
  demo: Caller;
  /** the generated users user0001.. (emulator --users): query (4) */
  users: Caller[];
  total(): Promise<number>;
}

/** Who sends query q: the demo user alone, or for (4) every generated user in turn. */
export function callersOf(emu: Emu, q: QueryId): Caller[] {
  return q === 'many' ? emu.users : [emu.demo];
}

export async function emulatorTotal(url: string): Promise<number> {
  const r = await request(`${url}/__emulator/stats`);
  return (JSON.parse(r.text) as { total: number }).total;
}

/** One request alone: checks the answer and counts its upstream calls exactly. */
export async function verify(server: Server, q: QueryId, emu: Emu): Promise<number> {
  const probe = server.probes[q];
  const caller = callersOf(emu, q)[0];
  const before = await emu.total();
  const r = await request(server.url + probe.path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: caller.auth }, body: JSON.stringify(probe.body) });
  await sleep(50);
  const calls = (await emu.total()) - before;
  let json: { data?: unknown; errors?: unknown[] };
  try {
    json = JSON.parse(r.text);
  } catch {
    throw new Error(`${q}: HTTP ${r.status}, not JSON: ${r.text.slice(0, 300)}`);
  }
  if (r.status !== 200 || json.errors?.length) throw new Error(`${q}: HTTP ${r.status} ${JSON.stringify(json.errors ?? r.text).slice(0, 500)}`);
  const wrong = probe.check(json.data, caller.username);
  if (wrong) throw new Error(`${q}: wrong answer (${wrong}): ${r.text.slice(0, 300)}`);
  return calls;
}

/** Wait until the emulator sees no more calls (requests wrk abandoned at the end of a run finish). */
export async function quiesce(emu: Emu): Promise<void> {
  let last = await emu.total();
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    await sleep(250);
    const now = await emu.total();
    if (now === last) return;
    last = now;
  }
}

export interface Target {
  pgid: number;
  url: string;
  body?: string;
  name: string;
  q: string;
  callers: Caller[];
}

/** What `prepare` leaves: the upstream calls per request under load, and one measured round at a time. */
export interface Prepared {
  callsUnderLoad: number;
  wrongCaller: number;
  /** round i, repeated once if other processes disturbed it (the quieter one counts) */
  round(i: number): Promise<RoundResult>;
}

/** Warm-up, upstream calls under load, then the measured rounds one after the other. */
export async function measure(o: BenchOptions, emu: Emu, target: Target, loadCpu: number | undefined, budget: QuietBudget): Promise<{ rounds: RoundResult[]; callsUnderLoad: number; wrongCaller: number }> {
  const prepared = await prepare(o, emu, target, loadCpu, budget);
  const rounds: RoundResult[] = [];
  for (let i = 1; i <= o.rounds; i++) rounds.push(await prepared.round(i));
  return { rounds, callsUnderLoad: prepared.callsUnderLoad, wrongCaller: prepared.wrongCaller };
}

/**
 * Warm-up and the upstream calls under load; the rounds are left to the caller, so that several
 * servers' rounds can be taken in turn (`npm run bench -- --interleave`).
 */
export async function prepare(o: BenchOptions, emu: Emu, target: Target, loadCpu: number | undefined, budget: QuietBudget): Promise<Prepared> {
  const bodyFile = target.body === undefined ? undefined : path.join(o.outDir, `body-${target.name}-${target.q}.json`);
  if (bodyFile) writeFileSync(bodyFile, target.body!);
  const load = (durationS: number, tag: string) =>
    o.load === 'wrk' ? wrkLoad(target.url, bodyFile, target.callers, o, durationS, loadCpu, tag) : nodeLoad(target.url, target.body, target.callers, o.connections, durationS);
  if (o.warmupS > 0) await load(o.warmupS, `${target.name}-${target.q}-warmup`);

  // upstream calls per request under concurrency, exactly: a closed loop that waits for its last answers
  await quiesce(emu);
  const exact0 = await emu.total();
  const exact = await nodeLoad(target.url, target.body, target.callers, o.connections, Math.min(2, o.durationS));
  await quiesce(emu);
  // every request issued counts, also one that failed or timed out: the server may still have called upstream
  const callsUnderLoad = exact.issued ? ((await emu.total()) - exact0) / exact.issued : 0;

  o.log(`  ${target.name.padEnd(8)} ${target.q.padEnd(9)} upstream calls/request with ${o.connections} in flight: ${callsUnderLoad.toFixed(2)}`);
  if (exact.wrongCaller) o.log(`  ${target.name.padEnd(8)} ${target.q.padEnd(9)} ANSWERS FOR ANOTHER CALLER: ${exact.wrongCaller}`);
  const round = async (i: number, attempt: number): Promise<RoundResult> => {
    await quiesce(emu);
    await waitQuiet(o, budget, [emu.proc.pid, target.pgid], 15);
    const calls0 = await emu.total();
    const cpu0 = groupSample(target.pgid).cpuTicks;
    const emuCpu0 = groupSample(emu.proc.pid).cpuTicks;
    const sys0 = systemBusyTicks();
    const self0 = selfTicks();
    const t0 = performance.now();
    const rss = rssSampler(target.pgid);
    const r = await load(o.durationS, `${target.name}-${target.q}-r${i}`);
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = groupSample(target.pgid).cpuTicks;
    const emuCpu1 = groupSample(emu.proc.pid).cpuTicks;
    const sys1 = systemBusyTicks();
    const self1 = selfTicks();
    const peakRssMiB = rss.stop();
    const ours = cpu1 - cpu0 + (target.pgid === emu.proc.pid ? 0 : emuCpu1 - emuCpu0) + (self1 - self0);
    await quiesce(emu);
    const calls1 = await emu.total();
    const rr: RoundResult = {
      ...r,
      upstreamCalls: calls1 - calls0,
      serverCpu: (cpu1 - cpu0) / CLK_TCK / wall,
      emulatorCpu: (emuCpu1 - emuCpu0) / CLK_TCK / wall,
      foreignCpu: Math.max(0, (sys1 - sys0 - ours) / CLK_TCK / wall),
      peakRssMiB,
    };
    o.log(
      `  ${target.name.padEnd(8)} ${target.q.padEnd(9)} round ${i}${attempt ? ' again' : ''}: ${fmtInt(r.rps)} req/s  p50 ${fmtMs(r.p50Ms)}  p99 ${fmtMs(r.p99Ms)} ms  ` +
        `cpu ${Math.round(rr.serverCpu * 100)}%  rss ${Math.round(peakRssMiB)} MiB  other load ${Math.round(rr.foreignCpu * 100)}%` +
        `${r.errors ? `  ERRORS ${r.errors}` : ''}`,
    );
    return rr;
  };
  return {
    callsUnderLoad,
    wrongCaller: exact.wrongCaller,
    async round(i) {
      const best = await round(i, 0);
      // a round other processes disturbed is repeated once, if the budget allows; the quieter one counts
      if (best.foreignCpu < NOISY || budget.left < o.durationS * 1000) return best;
      budget.spend(o.durationS * 1000);
      const again = await round(i, 1);
      return again.foreignCpu < best.foreignCpu ? again : best;
    },
  };
}

export function summarize(q: QueryId, rounds: RoundResult[], callsPerRequest: number, callsUnderLoad: number, wrongCaller: number): QueryResult {
  return {
    query: q,
    rounds,
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    callsPerRequest,
    callsUnderLoad,
    wrongCaller,
    serverCpu: median(rounds.map((r) => r.serverCpu)),
    foreignCpu: Math.max(...rounds.map((r) => r.foreignCpu)),
    peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB)),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
  };
}
