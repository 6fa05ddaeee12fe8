/**
 * GraphQL Mesh on Hive Gateway: mesh-compose turns bench/peers/mesh/openapi.yaml into a supergraph,
 * hive-gateway serves it (bench/peers/mesh/*.config.ts). Its schema keeps new-api's shapes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PEERS_DIR, type QueryId } from '../options.js';
import { start } from '../process.js';
import { NODE_ENV, need, pkgVersion, startAndProbe, type Ctx, type Probe, type ServerSpec, type Window, withMany } from './spec.js';

export function meshProbes(w: Window): Record<QueryId, Probe> {
  const path = '/graphql';
  return withMany({
    me: { path, body: { query: '{ me { data { username quota used_quota request_count } } }' }, check: (d, user) => need(d?.me?.data?.username === user, 'me.data.username') },
    logs50: {
      path,
      body: { query: '{ logs(p: 1, page_size: 50) { data { items { id created_at model_name quota prompt_tokens completion_tokens apiKey { name status } } } } }' },
      check: (d) => {
        const items = d?.logs?.data?.items;
        if (!Array.isArray(items) || items.length !== 50) return `expected 50 log items, got ${Array.isArray(items) ? items.length : typeof items}`;
        return need(
          items.every((i: any) => typeof i?.apiKey?.name === 'string' && typeof i.apiKey.status === 'number'),
          'every log needs apiKey { name status }',
        );
      },
    },
    dashboard: {
      path,
      body: {
        query:
          'query Dashboard($from: BigInt!, $to: BigInt!) { me { data { username quota } } apiKeys { data { name status remain_quota } } logs(p: 1, page_size: 20) { data { items { created_at model_name quota } } } tasks(start_timestamp: $from, end_timestamp: $to) { data { task_id status progress } } }',
        variables: { from: w.fromUnix, to: w.toUnix },
      },
      check: (d, user) =>
        need(d?.me?.data?.username === user, 'me') ??
        need(Array.isArray(d?.apiKeys?.data) && d.apiKeys.data.length > 0, 'apiKeys') ??
        need(d?.logs?.data?.items?.length === 20, '20 logs') ??
        need(Array.isArray(d?.tasks?.data), 'tasks'),
    },
  });
}

export function mesh(): ServerSpec {
  return {
    get label() {
      return `GraphQL Mesh (compose-cli ${pkgVersion(PEERS_DIR, '@graphql-mesh/compose-cli')}, omnigraph/openapi ${pkgVersion(PEERS_DIR, '@omnigraph/openapi')}) on Hive Gateway ${pkgVersion(PEERS_DIR, '@graphql-hive/gateway')}`;
    },
    how: 'mesh-compose, then node hive-gateway supergraph',
    async start(c: Ctx, port: number) {
      const meshDir = path.join(PEERS_DIR, 'mesh');
      const supergraph = path.join(c.o.outDir, 'supergraph.graphql');
      const compose = spawnSync('node', [path.join(PEERS_DIR, 'node_modules', '.bin', 'mesh-compose'), '-o', supergraph], {
        cwd: meshDir,
        env: { ...process.env, BENCH_UPSTREAM: c.upstream },
        encoding: 'utf8',
      });
      writeFileSync(path.join(c.o.outDir, 'mesh-compose.log'), `${compose.stdout}${compose.stderr}`);
      if (compose.status !== 0 || !existsSync(supergraph)) throw new Error(`mesh-compose failed: ${`${compose.stdout}${compose.stderr}`.slice(-1500)}`);
      const proc = start(
        'mesh',
        'node',
        [path.join(PEERS_DIR, 'node_modules', '.bin', 'hive-gateway'), 'supergraph', '-c', 'gateway.config.ts', '-h', '127.0.0.1', '-p', String(port), '--fork', '1'],
        { cwd: meshDir, env: { ...NODE_ENV, MESH_SUPERGRAPH: supergraph }, cpu: c.serverCpu, logDir: c.o.outDir },
      );
      return startAndProbe(c, proc, port, meshProbes(c.window));
    },
  };
}
