/**
 * The load generator of the figures: wrk -t1 with bench/wrk/post.lua, which checks every answer
 * and prints one BENCH_RESULT line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, type BenchOptions, type Caller, type LoadResult } from './options.js';
import { has } from './process.js';

const LUA = path.join(BENCH_DIR, 'wrk', 'post.lua');

export function wrkVersion(): string | null {
  if (!has('wrk')) return null;
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return /wrk\s+(?:debian\/)?([\w.+\-]+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** `callers` take turns request by request (bench/wrk/post.lua). */
export async function wrkLoad(url: string, bodyFile: string | undefined, callers: Caller[], o: BenchOptions, durationS: number, cpu: number | undefined, tag: string): Promise<LoadResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${durationS}s`, '--timeout', '30s', '--latency', '-s', LUA, url];
  const [file, argv] = cpu === undefined ? ['wrk', args] : ['taskset', ['-c', String(cpu), 'wrk', ...args]];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(file, argv, { env: { ...process.env, BENCH_BODY_FILE: bodyFile ?? '', BENCH_AUTH: callers.map((c) => c.auth).join(',') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (durationS + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${code}: ${text.slice(-1000)}`));
    });
  });
  writeFileSync(path.join(o.outDir, `wrk-${tag}.txt`), out);
  const line = /BENCH_RESULT (\{.*\})/.exec(out);
  if (!line) throw new Error(`no BENCH_RESULT in wrk output:\n${out.slice(-1000)}`);
  const r = JSON.parse(line[1]) as Record<string, number>;
  const durS = r.duration_us / 1e6;
  return {
    requests: r.requests,
    durationS: durS,
    rps: r.requests / durS,
    p50Ms: r.p50_us / 1000,
    p90Ms: r.p90_us / 1000,
    p99Ms: r.p99_us / 1000,
    maxMs: r.max_us / 1000,
    errors: r.bad_status + r.graphql_errors + r.socket_errors + r.timeouts,
  };
}
