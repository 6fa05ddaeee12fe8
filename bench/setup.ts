/**
 * What the peer benchmark needs installed (wrk, bench/peers' node_modules) and the description of the
 * machine it ran on.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, PEERS_DIR, type BenchOptions, type Machine } from './options.js';
import { wrkVersion } from './load-wrk.js';
import { has, run } from './process.js';

export function ensureWrk(o: Pick<BenchOptions, 'install' | 'log'>): void {
  if (has('wrk')) return;
  if (!o.install) throw new Error('wrk is not installed (apt-get install -y wrk), or use --load node');
  const apt = (args: string[]) => (process.getuid?.() === 0 || !has('sudo') ? run('apt-get', args, ROOT, o.log) : run('sudo', ['apt-get', ...args], ROOT, o.log));
  if (!apt(['install', '-y', 'wrk'])) {
    apt(['update']);
    apt(['install', '-y', 'wrk']);
  }
  if (!has('wrk')) throw new Error('could not install wrk with apt-get; install it yourself or use --load node');
}

const PEER_BINS = ['hive-gateway', 'mesh-compose', 'tailcall'];

export function ensurePeers(o: Pick<BenchOptions, 'install' | 'log'>): void {
  const ok = () =>
    existsSync(path.join(PEERS_DIR, 'node_modules', '@apollo', 'datasource-rest', 'package.json')) &&
    existsSync(path.join(PEERS_DIR, 'node_modules', '@apollo', 'server', 'package.json')) &&
    PEER_BINS.every((b) => existsSync(path.join(PEERS_DIR, 'node_modules', '.bin', b)));
  if (ok()) return;
  if (!o.install) throw new Error('bench/peers has no node_modules: run npm ci in bench/peers (or drop --no-install)');
  if (!run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], PEERS_DIR, o.log) || !ok()) throw new Error('npm ci in bench/peers failed');
}

export function machine(pinned: boolean): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    cpus: os.cpus().length,
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    wrk: wrkVersion(),
    pinned,
  };
}
