/** The command line contract: flags, env, errors in one line, /healthz, graceful shutdown. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

const CLI = ['--import', 'tsx', 'src/main.ts'];
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('config', () => {
  it('takes flags over env over defaults', () => {
    expect(parseConfig([], {})).toMatchObject({ command: 'serve', port: 4000, host: '127.0.0.1', upstream: 'https://yescale.bogia.app', revealSecrets: false });
    expect(parseConfig(['emulator'], {}).port).toBe(4010);
    expect(parseConfig(['emulator'], {}).pageLists).toBe(false);
    expect(parseConfig(['emulator', '--page-lists'], {}).pageLists).toBe(true);
    expect(parseConfig(['serve'], { PORT: '5000', YESCALE_BASE_URL: 'http://up:1/', YESCALE_ACCESS_KEY: ' k ' })).toMatchObject({ port: 5000, upstream: 'http://up:1', accessKey: 'k' });
    expect(parseConfig(['serve', '--port', '6000', '--upstream', 'http://x:2', '--reveal-secrets'], { PORT: '5000' })).toMatchObject({ port: 6000, upstream: 'http://x:2', revealSecrets: true });
    expect([parseConfig([], {}).fastPath, parseConfig(['--no-fast-path'], {}).fastPath, parseConfig([], { FAST_PATH: '0' }).fastPath]).toEqual([true, false, false]);
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['--nope'], /Unknown option '--nope'/],
    [['launch'], /unknown command "launch"/],
    [['--upstream', 'ftp://x'], /--upstream must be an http\(s\) URL/],
    [['--seed', '-3'], /Option '--seed' argument is ambiguous|--seed must be an integer/],
    [['emulator', '--era', '2024'], /--era must be yescale or latest, got "2024"/],
    [['emulator', '--users', 'many'], /--users must be an integer from 0 to 10000, got "many"/],
    [['emulator', '--users', '10001'], /--users must be an integer from 0 to 10000, got "10001"/],
  ])('refuses %j with a line naming it', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(message);
  });

  it('takes the subscription lease from flag or env, 10 s by default, and refuses one under a second', () => {
    expect(parseConfig([], {}).subscriptionLeaseMs).toBe(10_000);
    expect(parseConfig(['--subscription-lease', '3000'], { SUBSCRIPTION_LEASE_MS: '5000' }).subscriptionLeaseMs).toBe(3_000);
    expect(parseConfig([], { SUBSCRIPTION_LEASE_MS: '5000' }).subscriptionLeaseMs).toBe(5_000);
    expect(() => parseConfig(['--subscription-lease', '500'], {})).toThrow(/--subscription-lease must be an integer from 1000 to 600000, got "500"/);
  });

  it('takes the heap growth from flag or env, 100% by default, 0 for V8\'s own, and refuses one out of range', () => {
    expect(parseConfig([], {}).heapGrowthPercent).toBe(100);
    expect(parseConfig(['--heap-growth', '0'], { HEAP_GROWTH_PERCENT: '80' }).heapGrowthPercent).toBe(0);
    expect(parseConfig([], { HEAP_GROWTH_PERCENT: '80' }).heapGrowthPercent).toBe(80);
    expect(() => parseConfig(['--heap-growth', '1001'], {})).toThrow(/--heap-growth must be an integer from 0 to 1000, got "1001"/);
    expect(() => parseConfig([], { HEAP_GROWTH_PERCENT: 'lots' })).toThrow(/HEAP_GROWTH_PERCENT must be an integer/);
  });

  it('takes the emulator era, yescale by default', () => {
    expect(parseConfig(['emulator'], {}).era).toBe('yescale');
    expect(parseConfig(['emulator', '--era', 'latest'], {}).era).toBe('latest');
  });

  it('refuses bad env values by name', () => {
    expect(() => parseConfig([], { PORT: '99999' })).toThrow(/PORT must be an integer/);
    expect(() => parseConfig([], { YESCALE_BASE_URL: 'nope' })).toThrow(/YESCALE_BASE_URL must be an http\(s\) URL/);
    expect(() => parseConfig([], { YESCALE_REVEAL_SECRETS: 'maybe' })).toThrow(/YESCALE_REVEAL_SECRETS/);
  });
});

describe('yescale-graphql', () => {
  it('exits 2 with one clear line on a bad flag', () => {
    const res = run(['serve', '--port', 'x']);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual(['yescale-graphql: --port must be an integer from 0 to 65535, got "x" (see --help)']);
  });

  it('exits 2 naming a bad env value', () => {
    const res = run(['serve'], { PORT: 'http' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('PORT must be an integer');
  });

  it('print-schema prints the committed SDL; --federation the subgraph SDL', () => {
    expect(run(['print-schema']).stdout.trim()).toBe(readFileSync('schema/schema.graphql', 'utf8').trim());
    expect(run(['print-schema', '--federation']).stdout.trim()).toBe(readFileSync('schema/subgraph.graphql', 'utf8').trim());
  });

  it('emulator --page-lists answers tasks and keys as new-api pages', async () => {
    const child = spawn(process.execPath, [...CLI, 'emulator', '--port', '0', '--logs', '100', '--page-lists'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const [url, key] = await new Promise<[string, string]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no emulator lines in: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const url = /YEScale emulator at (http:\/\/\S+)/.exec(out);
          const key = /access key of demo: (\S+)/.exec(out);
          if (url && key) {
            clearTimeout(timer);
            resolve([url[1], key[1]]);
          }
        });
      });
      const res = await fetch(`${url}/yescale/apikeylist`, { headers: { authorization: key } });
      const body = (await res.json()) as { data: { items: unknown[]; total: number; page: number; page_size: number } };
      expect(body.data).toMatchObject({ page: 1, page_size: 10 });
      expect(body.data.items).toHaveLength(10);
      expect(body.data.total).toBeGreaterThan(10);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('demo serves GraphiQL, /healthz and the API with the demo key, and stops on SIGTERM', async () => {
    const { child, output, exited, url: started } = startDemo([]);
    try {
      const url = await started;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      const html = await page.text();
      expect(html).toContain('YEScale GraphQL');
      expect(html).toContain('AccountOverview');
      expect(html).not.toContain('unpkg.com');
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { username } }"}' });
      expect(await res.json()).toEqual({ data: { me: { username: 'demo' } } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toContain('SIGTERM: shutting down');
  });

  it('serve runs V8\'s low-memory GC once loaded (src/heap.ts), and serves after it', async () => {
    // --trace-gc names each GC's reason on stdout; "low memory notification" is only that GC's
    const { child, exited, url: started, output } = startCli(['--trace-gc'], ['serve', '--port', '0', '--upstream', 'http://127.0.0.1:9'], /yescale-graphql on (http:\/\/\S+)\/graphql/);
    try {
      const url = await started;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toContain('low memory notification');
  });

  it('demo --read-only serves a schema without Mutation', async () => {
    const { child, exited, url: started } = startDemo(['--read-only']);
    try {
      const url = await started;
      const ask = async (query: string) =>
        (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json();
      expect(await ask('{ __schema { mutationType { name } } }')).toEqual({ data: { __schema: { mutationType: null } } });
      expect(await ask('{ me { username } }')).toEqual({ data: { me: { username: 'demo' } } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

/** `demo` on a free port with `args`; `url` resolves with its base URL once it prints the GraphiQL line. */
function startDemo(args: string[]) {
  return startCli([], ['demo', '--port', '0', '--logs', '500', ...args], /GraphiQL: (http:\/\/\S+)\/graphql/);
}

/** The CLI under node with `nodeArgs`; `url` resolves with the first group of `line` once it prints it. */
function startCli(nodeArgs: string[], args: string[], line: RegExp) {
  const child = spawn(process.execPath, [...nodeArgs, ...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${line} in: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const match = line.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, exited, url, output: () => out };
}
