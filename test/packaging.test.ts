/**
 * `npm pack` yields a package that holds only what runs, and whose bin works once the tarball is
 * installed into an empty folder: print-schema, and a demo that answers, serves /metrics and stops.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
let dir: string;
let files: string[];
let bin: string;

function npm(args: string[], cwd: string) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

describe('the npm package', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yescale-pack-'));
    // prepack builds dist/ first.
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((file) => file.path);
    const app = join(dir, 'app');
    spawnSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    npm(['install', join(dir, packed.filename), '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev'], app);
    bin = join(app, 'node_modules/.bin/yescale-graphql');
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds only what runs: dist without maps, the SDL, the example operations, the dashboard, the README', () => {
    expect(files).toContain('dist/main.js');
    expect(files).toContain('schema/schema.graphql');
    expect(files).toContain('schema/operations/account-overview.graphql');
    expect(files).toContain('dashboard/index.html');
    expect(files).toContain('dashboard/gql/persisted-documents.json');
    const allowed = /^(package\.json|README\.md|dist\/.+\.js|schema\/[\w-]+\.graphql|schema\/operations\/[\w-]+\.graphql|dashboard\/[\w-]+\.(html|js|css)|dashboard\/gql\/persisted-documents\.json)$/;
    expect(files.filter((file) => !allowed.test(file))).toEqual([]);
  });

  it('print-schema prints the committed SDL', () => {
    const result = spawnSync(bin, ['print-schema'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(readFileSync('schema/schema.graphql', 'utf8').trim());
  });

  it('demo answers GraphQL, /metrics and /dashboard, and stops on SIGTERM', async () => {
    const child = spawn(bin, ['demo', '--port', '0', '--logs', '200'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no GraphiQL line in: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const match = /GraphiQL: (http:\/\/[\d.:]+)\/graphql/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { username } }' }) });
      expect(await res.json()).toEqual({ data: { me: { username: 'demo' } } });
      expect(res.headers.get('x-response-cache')).toBe('miss'); // the CLI turns the cache on
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('graphql_operations_total{operation="anonymous"} 1');
      // The dashboard and its chart library (a runtime dependency) are served from the installed package.
      for (const path of ['/dashboard', '/dashboard/app.js', '/dashboard/uplot.js', '/dashboard/config.json']) expect((await fetch(`${url}${path}`)).status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    // JSON log lines on a pipe, one of them for the request
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; upstreamCalls?: number });
    expect(lines.find((line) => line.msg === 'graphql')).toMatchObject({ upstreamCalls: 1 });
  });
});
