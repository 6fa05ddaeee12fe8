/**
 * This gateway, twice: `ours` with its response cache off (no peer caches answers) and
 * `ours-cached` with its defaults. Its queries also serve the Apollo peer (bench/peers/apollo.ts),
 * which implements the same schema subset.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, type QueryId } from '../options.js';
import { start } from '../process.js';
import { NODE_ENV, need, pkgVersion, startAndProbe, type Ctx, type Probe, type ServerSpec, type Window, withMany } from './spec.js';

const QUERIES = {
  me: '{ me { username quota quotaUsd usedQuota usedQuotaUsd requestCount } }',
  logs50: '{ logs(first: 50) { edges { node { id createdAt modelName quota promptTokens completionTokens apiKey { name status } } } } }',
  dashboard:
    'query Dashboard($from: DateTime!, $to: DateTime!) { me { username quota } apiKeys { name status remainQuota } logs(first: 20) { edges { node { createdAt modelName quota } } } tasks(filter: {from: $from, to: $to}) { taskId status progress } }',
};

/** The queries in this gateway's schema, answered at `path`. */
export function ourSchemaProbes(path: string, w: Window): Record<QueryId, Probe> {
  return withMany({
    me: { path, body: { query: QUERIES.me }, check: (d, user) => need(d?.me?.username === user && typeof d.me.quotaUsd === 'number', 'me.username/quotaUsd') },
    logs50: {
      path,
      body: { query: QUERIES.logs50 },
      check: (d) => {
        const edges = d?.logs?.edges;
        if (!Array.isArray(edges) || edges.length !== 50) return `expected 50 log edges, got ${Array.isArray(edges) ? edges.length : typeof edges}`;
        return need(
          edges.every((e: any) => typeof e?.node?.apiKey?.name === 'string' && typeof e.node.apiKey.status === 'string'),
          'every log needs apiKey { name status }',
        );
      },
    },
    dashboard: {
      path,
      body: { query: QUERIES.dashboard, variables: { from: w.fromIso, to: w.toIso } },
      check: (d, user) =>
        need(d?.me?.username === user, 'me') ??
        need(Array.isArray(d?.apiKeys) && d.apiKeys.length > 0, 'apiKeys') ??
        need(d?.logs?.edges?.length === 20, '20 logs') ??
        need(Array.isArray(d?.tasks), 'tasks'),
    },
  });
}

/** No access log per request (none of the peers writes one by default); unknown env is ignored by older builds. */
const OURS_ENV = { LOG_LEVEL: 'warn' };

/** Whether this build of the gateway has `flag` (e.g. --no-cache: a response cache to switch off, else ours-cached = ours). */
export function hasFlag(oursEntry: string[], flag: string): boolean {
  const r = spawnSync('node', [...oursEntry, '--help'], { cwd: ROOT, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.includes(flag);
}

function ourVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function ourSpec(name: 'ours' | 'ours-yoga' | 'ours-cached', label: string, how: string, env: NodeJS.ProcessEnv): ServerSpec {
  return {
    label,
    how,
    async start(c: Ctx, port: number) {
      const proc = start(name, 'node', [...c.oursEntry, 'serve', '--port', String(port), '--upstream', c.upstream], {
        cwd: ROOT,
        env: { ...NODE_ENV, ...OURS_ENV, ...env },
        cpu: c.serverCpu,
        logDir: c.o.outDir,
      });
      return startAndProbe(c, proc, port, ourSchemaProbes('/graphql', c.window));
    },
  };
}

export function ours(ctx: Ctx): ServerSpec {
  return ourSpec(
    'ours',
    `yescale-graphql ${ourVersion()} (this gateway: yoga ${pkgVersion(ROOT, 'graphql-yoga')} + Pothos + DataLoader + undici), response cache off`,
    `CACHE=0 LOG_LEVEL=warn node ${ctx.oursEntry.join(' ')} serve`,
    { CACHE: '0' },
  );
}

export function oursYoga(ctx: Ctx): ServerSpec {
  return ourSpec(
    'ours-yoga',
    `yescale-graphql ${ourVersion()}, response cache off, fast path off (every request through yoga's HTTP layer)`,
    `CACHE=0 FAST_PATH=0 LOG_LEVEL=warn node ${ctx.oursEntry.join(' ')} serve`,
    { CACHE: '0', FAST_PATH: '0' },
  );
}

export function oursCached(ctx: Ctx): ServerSpec {
  return ourSpec('ours-cached', `yescale-graphql ${ourVersion()}, default config (response cache on)`, `LOG_LEVEL=warn node ${ctx.oursEntry.join(' ')} serve`, {});
}
