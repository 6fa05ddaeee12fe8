/**
 * What a server under test is to the harness (bench/harness.ts): how to start it, and per query the
 * request it answers and a check of that answer (Probe). One file per server beside this one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from '../http.js';
import { PEERS_DIR, type BenchOptions, type QueryId } from '../options.js';
import { start, waitFor, type Proc } from '../process.js';

export interface Probe {
  /** path on the server, e.g. /graphql */
  path: string;
  body: { query: string; variables?: Record<string, unknown> };
  /** null if the answer is right for the caller `user`, else what is wrong */
  check(data: any, user: string): string | null;
}

/** Query (4) is the dashboard query; only its callers differ (bench/measure.ts callersOf). */
export function withMany(probes: Record<Exclude<QueryId, 'many'>, Probe>): Record<QueryId, Probe> {
  return { ...probes, many: probes.dashboard };
}

export interface Window {
  fromIso: string;
  toIso: string;
  fromUnix: number;
  toUnix: number;
}

export const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null;
/** null when ok, else `what` was wrong */
export const need = (ok: boolean, what: string) => (ok ? null : what);

export interface Server {
  proc: Proc;
  url: string;
  probes: Record<QueryId, Probe>;
}

export interface ServerSpec {
  /** the row's name in the table */
  label: string;
  /** how it runs, e.g. "node dist/main.js serve" */
  how: string;
  start(ctx: Ctx, port: number): Promise<Server>;
}

export interface Ctx {
  o: BenchOptions;
  upstream: string;
  serverCpu: number | undefined;
  window: Window;
  oursEntry: string[];
  /** Authorization header of the demo user (start-up probe, queries 1-3) */
  auth: string;
}

export async function startAndProbe(ctx: Ctx, proc: Proc, port: number, probes: Record<QueryId, Probe>): Promise<Server> {
  const url = `http://127.0.0.1:${port}`;
  const probe = probes.me;
  await waitFor(
    proc.name,
    async () => {
      const r = await request(url + probe.path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: ctx.auth }, body: JSON.stringify(probe.body), timeoutMs: 5000 });
      return r.status === 200 && isObj(JSON.parse(r.text).data) ? true : undefined;
    },
    90_000,
    proc,
  );
  return { proc, url, probes };
}

/** Version of an installed package (labels of the table), "?" when it is not installed. */
export function pkgVersion(dir: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version.replace(/^v/, '');
  } catch {
    return '?';
  }
}

/** Every Node server runs as in production. */
export const NODE_ENV = { NODE_ENV: 'production' };

/** Starts `script` (under bench/peers/) on `port` with the bench's upstream, and probes it at `probePath` with `probes`. */
export function startNodeScript(c: Ctx, port: number, name: string, script: string, probes: Record<QueryId, Probe>) {
  const proc = start(name, 'node', [script], {
    cwd: PEERS_DIR,
    env: { ...NODE_ENV, PORT: String(port), HOST: '127.0.0.1', UPSTREAM: c.upstream },
    cpu: c.serverCpu,
    logDir: c.o.outDir,
  });
  return startAndProbe(c, proc, port, probes);
}
