/**
 * The processes of the peer benchmark: each server, the emulator, started in its own process group
 * (so its whole tree can be stopped), its output kept in a log file; readiness polling and ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './options.js';

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  alive: () => boolean;
}

const running = new Set<Proc>();
let exitHookInstalled = false;

/** Kill every process group this module started (synchronous: usable from 'exit'). */
export function killAllSync(): void {
  for (const p of running) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Start a command in its own process group (so the whole tree can be stopped), output to a log file. */
export function start(name: string, cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; cpu?: number; logDir: string }): Proc {
  if (!exitHookInstalled) {
    process.on('exit', killAllSync);
    exitHookInstalled = true;
  }
  const [file, argv] = opts.cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(opts.cpu), cmd, ...args]];
  const child = spawn(file, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const logFile: WriteStream = createWriteStream(path.join(opts.logDir, `${name}.log`));
  let tail = '';
  const onData = (chunk: Buffer) => {
    logFile.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let alive = true;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive = false;
      logFile.end();
      resolve(code);
    }),
  );
  child.once('error', () => undefined);
  const proc: Proc = { name, pid: child.pid, child, output: () => tail, exited, alive: () => alive };
  running.add(proc);
  return proc;
}

export async function stop(proc: Proc): Promise<void> {
  running.delete(proc);
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, s);
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  const timedOut = await Promise.race([proc.exited.then(() => false), sleep(3000).then(() => true)]);
  // the group may hold children of the leader (workers): make sure all of it is gone
  signal('SIGKILL');
  if (timedOut) await Promise.race([proc.exited, sleep(1000)]);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, proc?: Proc): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < end) {
    if (proc && !proc.alive()) throw new Error(`${what}: process exited\n${proc.output().slice(-2000)}`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}${proc ? `\n${proc.output().slice(-2000)}` : ''}`);
}

/** Waits until the server at `base` answers /healthz; fails with its output if `proc` exits first. */
export const waitHealthy = (what: string, base: string, timeoutMs = 60_000, proc?: Proc): Promise<true> =>
  waitFor(what, () => fetch(`${base}/healthz`).then((res) => (res.ok ? true : undefined)), timeoutMs, proc);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Run a setup command (apt-get, npm ci, tsc) in the foreground. */
export function run(cmd: string, args: string[], cwd: string, log: (l: string) => void): boolean {
  log(`$ ${cmd} ${args.join(' ')}${cwd !== ROOT ? `   (in ${path.relative(ROOT, cwd) || '.'})` : ''}`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}

/** Node arguments that start our CLI: the compiled build when `tsc` builds it, else through tsx. */
export function cliEntry(log: (l: string) => void): string[] {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (run('node', [tsc, '-p', 'tsconfig.build.json'], ROOT, log) && existsSync(path.join(ROOT, 'dist', 'main.js'))) return ['dist/main.js'];
  log('! tsc build failed: running our gateway through tsx instead');
  return ['--import', 'tsx', 'src/main.ts'];
}

/**
 * Every access key an emulator prints at start (src/cli.ts): the seeded users' (demo and two more),
 * then `users` generated ones; once all are there.
 */
export function emulatorKeys(emulator: Proc, users: number): Promise<{ username: string; auth: string }[]> {
  return waitFor(
    'emulator',
    () => {
      const found = [...emulator.output().matchAll(/access key of (\S+): (\S+)/g)].map((m) => ({ username: m[1], auth: `Bearer ${m[2]}` }));
      return found.length >= 3 + users ? found : undefined;
    },
    60_000,
    emulator,
  );
}
