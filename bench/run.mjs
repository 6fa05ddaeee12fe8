#!/usr/bin/env node
/**
 * Entry of `npm run bench`: plain JS so it runs from a fresh clone. Installs the root dependencies
 * if they are missing (npm ci), then runs bench/run.ts through tsx with the same arguments.
 * bench/run.ts installs wrk and the peers (bench/peers) itself. See docs/benchmarks.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (!existsSync(path.join(root, 'node_modules', 'tsx', 'package.json'))) {
  console.log('$ npm ci   (root dependencies are missing)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` : `node bench/run.mjs${args.length ? ` ${args.join(' ')}` : ''}`;
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'run.ts'), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BENCH_COMMAND: command },
});
// Ctrl-C reaches the child too (same process group); it stops its servers, then we exit with it.
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
