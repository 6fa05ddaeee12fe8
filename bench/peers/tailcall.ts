/**
 * Tailcall, the native binary: bench/peers/tailcall/config.graphql with its port, workers and
 * upstream filled in. Its schema keeps new-api's shapes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PEERS_DIR, type QueryId } from '../options.js';
import { start } from '../process.js';
import { need, pkgVersion, startAndProbe, type Ctx, type Probe, type ServerSpec, type Window, withMany } from './spec.js';

export function tailcallProbes(w: Window): Record<QueryId, Probe> {
  const path = '/graphql';
  return withMany({
    me: { path, body: { query: '{ me { username quota used_quota request_count } }' }, check: (d, user) => need(d?.me?.username === user, 'me.username') },
    logs50: {
      path,
      body: { query: '{ logs(p: 1, page_size: 50) { items { id created_at model_name quota prompt_tokens completion_tokens apiKeys { name status } } } }' },
      check: (d) => {
        const items = d?.logs?.items;
        if (!Array.isArray(items) || items.length !== 50) return `expected 50 log items, got ${Array.isArray(items) ? items.length : typeof items}`;
        return need(
          items.every((i: any) => Array.isArray(i?.apiKeys) && i.apiKeys.length === 1 && typeof i.apiKeys[0]?.name === 'string'),
          'every log needs apiKeys [{ name status }] (one key)',
        );
      },
    },
    dashboard: {
      path,
      body: {
        query:
          'query Dashboard($from: Int!, $to: Int!) { me { username quota } apiKeys { name status remain_quota } logs(p: 1, page_size: 20) { items { created_at model_name quota } } tasks(start_timestamp: $from, end_timestamp: $to) { task_id status progress } }',
        variables: { from: w.fromUnix, to: w.toUnix },
      },
      check: (d, user) =>
        need(d?.me?.username === user, 'me') ??
        need(Array.isArray(d?.apiKeys) && d.apiKeys.length > 0, 'apiKeys') ??
        need(d?.logs?.items?.length === 20, '20 logs') ??
        need(Array.isArray(d?.tasks), 'tasks'),
    },
  });
}

export function tailcall(): ServerSpec {
  return {
    get label() {
      return `Tailcall ${pkgVersion(PEERS_DIR, '@tailcallhq/core-linux-x64-gnu')} (native binary)`;
    },
    how: 'tailcall start (TAILCALL_TRACKER=false)',
    async start(c: Ctx, port: number) {
      const template = readFileSync(path.join(PEERS_DIR, 'tailcall', 'config.graphql'), 'utf8');
      const config = path.join(c.o.outDir, 'tailcall.graphql');
      writeFileSync(
        config,
        template
          .replaceAll('__PORT__', String(port))
          .replaceAll('__WORKERS__', String(c.serverCpu === undefined ? os.cpus().length : 1))
          .replaceAll('__UPSTREAM__', c.upstream),
      );
      const proc = start('tailcall', path.join(PEERS_DIR, 'node_modules', '.bin', 'tailcall'), ['start', config], {
        cwd: PEERS_DIR,
        env: { TAILCALL_TRACKER: 'false', TAILCALL_LOG_LEVEL: 'warn' },
        cpu: c.serverCpu,
        logDir: c.o.outDir,
      });
      return startAndProbe(c, proc, port, tailcallProbes(c.window));
    },
  };
}
