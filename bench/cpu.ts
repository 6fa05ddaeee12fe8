/**
 * CPU and memory accounting from /proc: a process group's CPU time and RSS, the whole machine's busy
 * time, and what other processes on a shared machine use (waitQuiet, QuietBudget).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { BenchOptions } from './options.js';
import { sleep } from './process.js';

export interface GroupSample {
  cpuTicks: number;
  rssKiB: number;
  hwmKiB: number;
}

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export function groupSample(pgid: number): GroupSample {
  const s: GroupSample = { cpuTicks: 0, rssKiB: 0, hwmKiB: 0 };
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return s;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue;
      s.cpuTicks += Number(f[11]) + Number(f[12]);
      const status = readFileSync(`/proc/${e}/status`, 'utf8');
      s.rssKiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      s.hwmKiB += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* process ended meanwhile */
    }
  }
  return s;
}

/** Busy ticks of the whole machine (all cores) from /proc/stat. */
export function systemBusyTicks(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is inside user)
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  } catch {
    return 0;
  }
}

/** This runner's CPU ticks including its reaped children (wrk, taskset). */
export function selfTicks(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

/** CPU (in cores) used over `ms` by everything except the given process groups and this runner. */
async function otherCpu(pgids: number[], ms: number): Promise<number> {
  const mine = () => pgids.reduce((t, g) => t + groupSample(g).cpuTicks, 0) + selfTicks();
  const s0 = systemBusyTicks();
  const m0 = mine();
  const t0 = performance.now();
  await sleep(ms);
  const s1 = systemBusyTicks();
  const m1 = mine();
  return Math.max(0, (s1 - s0 - (m1 - m0)) / CLK_TCK / ((performance.now() - t0) / 1000));
}

export const NOISY = 0.25;

/** Shared machines: time the run may spend on waiting for quiet and on repeating disturbed rounds. */
export class QuietBudget {
  private leftMs: number;
  constructor(seconds: number) {
    this.leftMs = seconds * 1000;
  }
  get left(): number {
    return Math.max(0, this.leftMs);
  }
  spend(ms: number): void {
    this.leftMs -= ms;
  }
}

/** Wait (within the budget, at most maxS) until other processes use less than NOISY of a core. */
export async function waitQuiet(o: BenchOptions, budget: QuietBudget, pgids: number[], maxS: number): Promise<void> {
  if (budget.left <= 0) return;
  let load = await otherCpu(pgids, 500);
  if (load < NOISY) return;
  const t0 = Date.now();
  const limit = Math.min(maxS * 1000, budget.left);
  o.log(`  other processes use ${Math.round(load * 100)}% of a core: waiting up to ${Math.round(limit / 1000)} s for a quiet machine`);
  while (Date.now() - t0 < limit && load >= NOISY) load = await otherCpu(pgids, 1000);
  budget.spend(Date.now() - t0);
  o.log(`  ${load < NOISY ? 'quiet now' : `still ${Math.round(load * 100)}%, measuring anyway`}`);
}

/** Samples VmRSS of a group every 200 ms; max() is the peak seen. */
export function rssSampler(pgid: number): { stop(): number } {
  let max = groupSample(pgid).rssKiB;
  const t = setInterval(() => {
    max = Math.max(max, groupSample(pgid).rssKiB);
  }, 200);
  return {
    stop() {
      clearInterval(t);
      return Math.max(max, groupSample(pgid).rssKiB) / 1024;
    },
  };
}
