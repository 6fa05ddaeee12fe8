/**
 * The peer benchmark (figures in docs/benchmarks.md): this gateway against its peers (Apollo Server + RESTDataSource,
 * GraphQL Mesh on Hive Gateway, Tailcall, and a Node floor without GraphQL; one file each in bench/peers/) on one emulator, the same
 * four queries, one machine, one run. `runBench(options)` does everything and returns the numbers;
 * bench/run.ts is the CLI that prints the table and writes it into docs/benchmarks.md.
 *
 * Placement on a 2-core machine (taskset): the server under test alone on core 1 (with --interleave, the
 * other servers wait idle beside it); the load generator (wrk -t1), the emulator and this runner on
 * core 0. For the emulator floor (wrk straight at the emulator) the emulator moves to core 1 for that measurement.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QuietBudget, groupSample, waitQuiet } from './cpu.js';
import { callersOf, emulatorTotal, measure, prepare, quiesce, summarize, verify, type Emu, type Prepared } from './measure.js';
import { DEFAULT_OPTIONS, ROOT, type BenchOptions, type BenchResult, type RoundResult, type ServerName, type ServerResult } from './options.js';
import { apollo } from './peers/apollo.js';
import { mesh } from './peers/mesh.js';
import { nodeFloor } from './peers/node-floor.js';
import { hasFlag, ours, oursCached, oursYoga } from './peers/ours.js';
import type { Ctx, Server, ServerSpec, Window } from './peers/spec.js';
import { tailcall } from './peers/tailcall.js';
import { cliEntry, emulatorKeys, freePort, has, run, start, stop, type Proc } from './process.js';
import { ensurePeers, ensureWrk, machine } from './setup.js';

/** One file per server under bench/peers/. */
const SERVERS: Record<ServerName, (ctx: Ctx) => ServerSpec> = { ours, 'ours-yoga': oursYoga, 'ours-cached': oursCached, apollo, mesh, tailcall, 'node-floor': nodeFloor };

export async function runBench(partial: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const o: BenchOptions = { ...DEFAULT_OPTIONS, ...partial };
  const t0 = Date.now();
  mkdirSync(o.outDir, { recursive: true });
  if (o.rounds < 1 || o.durationS < 1) throw new Error('need rounds >= 1 and duration >= 1 s');

  const pinned = o.pin && has('taskset') && os.cpus().length >= 2;
  const [loadCpu, serverCpu] = pinned ? [0, 1] : [undefined, undefined];
  if (o.load === 'wrk') ensureWrk(o);
  if (o.servers.some((s) => s === 'apollo' || s === 'mesh' || s === 'tailcall')) ensurePeers(o);
  // this runner (sampling, stats) stays off the server's core
  if (pinned) spawnSync('taskset', ['-a', '-p', '-c', String(loadCpu), String(process.pid)], { stdio: 'ignore' });

  const buildOurs = o.servers.some((s) => s.startsWith('ours')) && o.ours === 'build';
  const oursEntry = buildOurs ? cliEntry(o.log) : ['--import', 'tsx', 'src/main.ts'];

  const now = Math.floor(Date.now() / 1000);
  const window: Window = { fromUnix: now - 86_400, toUnix: now, fromIso: new Date((now - 86_400) * 1000).toISOString(), toIso: new Date(now * 1000).toISOString() };
  const git = spawnSync('git', ['describe', '--always', '--dirty', '--exclude', '*'], { cwd: ROOT, encoding: 'utf8' });
  const revision = git.status === 0 ? git.stdout.trim() : 'unknown';
  const result: BenchResult = { date: new Date().toISOString(), revision, machine: machine(pinned), options: { ...o, log: undefined } as never, servers: [], elapsedS: 0 };
  delete (result.options as Partial<BenchOptions>).log;

  const started: Proc[] = [];
  const budget = new QuietBudget(o.quietS);
  try {
    // the emulator: fixed seed and data size, on the load generator's core
    const emuPort = await freePort();
    const emuEntry = oursEntry[0] === 'dist/main.js' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
    // query (4) needs its callers: as many generated users, each with an access key of its own
    const users = o.queries.includes('many') ? o.callers : 0;
    // a frozen clock: every server is measured on the same data (a live one wrote a top-up entry, which has no
    // key, among the newest logs half-way through a run, and the later servers' log probes failed on it)
    const emuArgs = ['emulator', '--port', String(emuPort), '--seed', String(o.seed), '--logs', String(o.logs), '--speed', '0', ...(users ? ['--users', String(users)] : [])];
    const emuProc = start('emulator', 'node', [...emuEntry, ...emuArgs], {
      cwd: ROOT,
      env: { NODE_ENV: 'production' },
      cpu: loadCpu,
      logDir: o.outDir,
    });
    started.push(emuProc);
    const keys = await emulatorKeys(emuProc, users);
    const upstream = `http://127.0.0.1:${emuPort}`;
    const emu: Emu = { proc: emuProc, url: upstream, demo: keys.find((k) => k.username === 'demo')!, users: keys.filter((k) => /^user\d+$/.test(k.username)), total: () => emulatorTotal(upstream) };
    o.log(`emulator ${upstream} (seed ${o.seed}, ${o.logs} logs${users ? `, ${users} more users` : ''}), load ${o.load}${pinned ? `, server on cpu ${serverCpu}, load + emulator on cpu ${loadCpu}` : ', not pinned'}`);

    if (o.floor) {
      await waitQuiet(o, budget, [emuProc.pid], 30);
      o.log(`floor: ${o.load} straight at the emulator, GET /yescale/user`);
      if (pinned) spawnSync('taskset', ['-a', '-p', '-c', String(serverCpu), String(emuProc.pid)], { stdio: 'ignore' });
      try {
        const m = await measure(o, emu, { pgid: emuProc.pid, url: `${upstream}/yescale/user`, name: 'floor', q: 'me', callers: [emu.demo] }, loadCpu, budget);
        result.floor = {
          name: 'floor',
          label: 'floor: the emulator alone (GET /yescale/user, no GraphQL)',
          how: 'wrk straight at the emulator',
          queries: [summarize('me', m.rounds, 1, m.callsUnderLoad, m.wrongCaller)],
          peakRssMiB: groupSample(emuProc.pid).hwmKiB / 1024,
        };
      } finally {
        if (pinned) spawnSync('taskset', ['-a', '-p', '-c', String(loadCpu), String(emuProc.pid)], { stdio: 'ignore' });
      }
    }

    const ctx: Ctx = { o, upstream, serverCpu, window, oursEntry, auth: emu.demo.auth };
    let servers = o.servers;
    // an older build (--ours) may lack what a row switches off
    for (const [name, flag, what] of [['ours-cached', '--no-cache', 'response cache'], ['ours-yoga', '--no-fast-path', 'fast path']] as const) {
      if (servers.includes(name) && !hasFlag(oursEntry, flag)) {
        o.log(`${name}: skipped, this build of the gateway has no ${what}`);
        servers = servers.filter((x) => x !== name);
      }
    }
    // one server at a time; with --interleave all of them at once, their rounds taken in turn
    for (const group of o.interleave ? [servers] : servers.map((name) => [name])) await measureGroup(group, ctx, emu, result, started, loadCpu, budget);
  } finally {
    for (const p of started.reverse()) await stop(p);
  }
  result.elapsedS = Math.round((Date.now() - t0) / 1000);
  writeFileSync(path.join(o.outDir, 'results.json'), JSON.stringify(result, null, 2));
  return result;
}

/**
 * The servers of `names` started together, then for each query their rounds taken in turn, server
 * after server, and stopped. One server is the usual run; several are `--interleave` (idle ones wait
 * beside the measured one on its core), so that a machine whose speed drifts over minutes
 * (docs/benchmarks.md, "Round seven") slows all of them alike.
 */
async function measureGroup(names: ServerName[], ctx: Ctx, emu: Emu, result: BenchResult, started: Proc[], loadCpu: number | undefined, budget: QuietBudget): Promise<void> {
  const o = ctx.o;
  const running: { sr: ServerResult; server: Server }[] = [];
  // a server that failed goes at once, so it weighs on no other's rounds
  const drop = async ({ sr, server }: { sr: ServerResult; server: Server }, error: unknown) => {
    failed(o, sr, error);
    await stop(server.proc);
  };
  for (const name of names) {
    const spec = SERVERS[name](ctx);
    const sr: ServerResult = { name, label: spec.label, how: spec.how, queries: [], peakRssMiB: 0 };
    result.servers.push(sr);
    o.log(`${name}: ${spec.label}`);
    try {
      const server = await spec.start(ctx, await freePort());
      started.push(server.proc);
      running.push({ sr, server });
    } catch (error) {
      failed(o, sr, error);
    }
  }
  for (const q of o.queries) {
    const turns: { sr: ServerResult; server: Server; prepared: Prepared; exact: number; rounds: RoundResult[] }[] = [];
    for (const entry of running) {
      const { sr, server } = entry;
      if (sr.failed) continue;
      try {
        await waitQuiet(o, budget, [emu.proc.pid, server.proc.pid], 30);
        await quiesce(emu);
        const exact = await verify(server, q, emu);
        const probe = server.probes[q];
        const target = { pgid: server.proc.pid, url: server.url + probe.path, body: JSON.stringify(probe.body), name: sr.name, q, callers: callersOf(emu, q) };
        turns.push({ sr, server, prepared: await prepare(o, emu, target, loadCpu, budget), exact, rounds: [] });
      } catch (error) {
        await drop(entry, error);
      }
    }
    for (let i = 1; i <= o.rounds; i++) {
      for (const turn of turns.filter((t) => !t.sr.failed)) {
        try {
          turn.rounds.push(await turn.prepared.round(i));
        } catch (error) {
          await drop(turn, error);
        }
      }
    }
    for (const { sr, prepared, exact, rounds } of turns) if (!sr.failed) sr.queries.push(summarize(q, rounds, exact, prepared.callsUnderLoad, prepared.wrongCaller));
  }
  for (const { sr, server } of running) {
    if (!sr.failed) sr.peakRssMiB = groupSample(server.proc.pid).hwmKiB / 1024;
    await stop(server.proc);
  }
}

/** A server that could not start or answer: its row says why, the run goes on with the others. */
function failed(o: BenchOptions, sr: ServerResult, error: unknown): void {
  sr.failed = (error as Error).message.split('\n')[0].slice(0, 300);
  o.log(`! ${sr.name} failed: ${(error as Error).message.slice(0, 3000)}`);
}
