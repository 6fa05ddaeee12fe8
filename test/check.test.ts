/**
 * `yescale-graphql check` against the real emulator: its exit codes 0, 1 and 2, its output streams
 * and its key handling through the real command (a child process); the cases that differ only in
 * what the upstream answers through the same parseConfig and checkCommand in this process (a child
 * costs seconds of CPU, loading the whole gateway).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../src/check.js';
import { parseConfig } from '../src/config.js';
import { createEmulator, type Emulator } from '../src/emulator/index.js';

const CLI = ['--import', 'tsx', 'src/main.ts'];

/** Async, not spawnSync: the emulator answers from this process, which a sync child would block. */
function check(args: string[], env: Record<string, string | undefined>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [...CLI, 'check', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

/** What the command prints and its exit status, run in this process as cli.ts runs it. */
async function checkHere(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string }> {
  const { report, exitCode } = await checkCommand(parseConfig(['check', ...args], env));
  return { status: exitCode, stdout: `${report}\n` };
}

describe('check configuration', () => {
  it('takes the key from --access-key-file over YESCALE_ACCESS_KEY, trimmed, and refuses an unreadable or empty file by name only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yescale-check-config-'));
    try {
      writeFileSync(join(dir, 'key'), '  secret-from-file\n');
      writeFileSync(join(dir, 'empty'), '\n');
      expect(parseConfig(['check', '--access-key-file', join(dir, 'key')], { YESCALE_ACCESS_KEY: 'from-env' }).accessKey).toBe('secret-from-file');
      expect(parseConfig(['check'], { YESCALE_ACCESS_KEY: ' from-env ' })).toMatchObject({ command: 'check', accessKey: 'from-env' });
      expect(() => parseConfig(['check', '--access-key-file', join(dir, 'none')], {})).toThrow(/--access-key-file: cannot read/);
      expect(() => parseConfig(['check', '--access-key-file', join(dir, 'empty')], {})).toThrow(/--access-key-file: .* is empty/);
      expect(() => parseConfig(['check'], {})).toThrow(/check needs YESCALE_ACCESS_KEY or --access-key-file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// each test starts a tsx child process, which takes seconds on a loaded machine
describe('yescale-graphql check', { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    emulator = createEmulator({ speed: 0, logsPerUser: 500 });
    url = await emulator.listen(0, '127.0.0.1');
    dir = mkdtempSync(join(tmpdir(), 'yescale-check-'));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emulator.resetStats();
    emulator.setFault(null);
  });

  it('exits 0 on a compatible upstream, reports each endpoint, sends GETs only and never prints the key', async () => {
    const res = await check(['--upstream', url], { YESCALE_ACCESS_KEY: emulator.demoAccessKey });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    for (const path of ['/yescale/user', '/yescale/apikeylist', '/yescale/task?', '/yescale/logs?']) expect(res.stdout).toContain(path);
    expect(res.stdout.match(/reached: HTTP 200, \d+ ms/g)).toHaveLength(4);
    expect(res.stdout).toContain('envelope: {data} (no `success`');
    expect(res.stdout).toMatch(/data: page object \{items, total, page, page_size\}, 2 items/);
    expect(res.stdout).toContain('page_size: asked 2, got 2, echoed 2');
    expect(res.stdout).toContain('Compatible: all 4 endpoints');
    expect(res.stdout).not.toContain('PROBLEM');
    // neither the access key nor any API key or access token of the account
    expect(res.stdout).not.toContain(emulator.demoAccessKey);
    for (const key of emulator.apiKeys('demo')) expect(res.stdout).not.toContain(key.key);
    // one call per endpoint, no retries; the emulator answers GET only, anything else would be 405
    expect(emulator.stats().byPath).toEqual({ '/yescale/user': 1, '/yescale/apikeylist': 1, '/yescale/task': 1, '/yescale/logs': 1 });
    expect(emulator.stats().requests.find((r) => r.path === '/yescale/logs')!.query).toMatchObject({ p: '1', page_size: '2' });
  });

  it.each([
    { pageLists: true, likeDialect: 'raw' as const, era: 'latest' as const },
    { pageLists: false, likeDialect: 'escaped' as const, era: 'yescale' as const },
  ])('is compatible with each emulated new-api dialect (%o), and says how tasks and keys came', async (dialect) => {
    const other = createEmulator({ speed: 0, logsPerUser: 500, ...dialect });
    try {
      const otherUrl = await other.listen(0, '127.0.0.1');
      const res = await checkHere(['--upstream', otherUrl], { YESCALE_ACCESS_KEY: other.demoAccessKey });
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('Compatible: all 4 endpoints');
      // tasks and keys: new-api pages with a total when paged, plain arrays otherwise
      const lists = res.stdout.match(/data: (plain array|page object \{items, total, page, page_size\})/g)!;
      expect(lists.filter((line) => line.includes('page object'))).toHaveLength(dialect.pageLists ? 3 : 1);
      expect(res.stdout).not.toContain(other.demoAccessKey);
    } finally {
      await other.close();
    }
  });

  it('reads the key from --access-key-file', async () => {
    const file = join(dir, 'key');
    writeFileSync(file, `${emulator.demoAccessKey}\n`);
    const res = await checkHere(['--upstream', url, '--access-key-file', file], {});
    expect(res.status).toBe(0);
    expect(res.stdout).not.toContain(emulator.demoAccessKey);
  });

  it('exits 1 with the renamed fields and unknown enum values of another upstream version', async () => {
    emulator.setFault({ mode: 'otherVersion' });
    const res = await checkHere(['--upstream', url], { YESCALE_ACCESS_KEY: emulator.demoAccessKey });
    expect(res.status).toBe(1);
    const out = res.stdout;
    expect(out).toContain('fields the gateway does not know (ignored): nickname');
    expect(out).toContain('fields the gateway expects but missing: display_name');
    expect(out).toContain('values the gateway maps to UNKNOWN: role 5');
    expect(out).toContain('fields the gateway expects but missing: expired_time');
    expect(out).toContain('values the gateway maps to UNKNOWN: status 5');
    expect(out).toContain('values the gateway maps to UNKNOWN: status "CANCELLED"');
    expect(out).toContain('fields the gateway expects but missing: use_time');
    expect(out).toContain('values the gateway maps to UNKNOWN: type 99');
    expect(out).toContain('Not compatible: 4 of 4 endpoints have problems');
    expect(out).not.toContain(emulator.demoAccessKey);
  });

  it('names the one endpoint that fails, with its HTTP status', async () => {
    emulator.setFault({ mode: 'http500', path: '/yescale/task' });
    const res = await checkHere(['--upstream', url], { YESCALE_ACCESS_KEY: emulator.demoAccessKey });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/\/yescale\/task\?\S+\n {2}reached: HTTP 500, \d+ ms\n {2}PROBLEM: HTTP 500/);
    expect(res.stdout).toContain('Not compatible: 1 of 4 endpoints have problems');
    expect(emulator.stats().byPath['/yescale/task']).toBe(1); // no retry hides a failure
  });

  it('flags a page_size the upstream does not honour', async () => {
    // an upstream whose cap is below the size asked, as new-api caps page_size
    const lax = createEmulator({ speed: 0, logsPerUser: 500, maxPageSize: 1 });
    const laxUrl = await lax.listen(0, '127.0.0.1');
    try {
      const res = await checkHere(['--upstream', laxUrl], { YESCALE_ACCESS_KEY: lax.demoAccessKey });
      expect(res.stdout).toContain('page_size: asked 2, got 1, echoed 1');
      expect(res.stdout).toContain('PROBLEM: page_size not honoured: asked 2, the page says 1');
      expect(res.status).toBe(1);
    } finally {
      await lax.close();
    }
  });

  it('exits 1 saying unauthenticated on a wrong key, and prints not that key', async () => {
    const wrong = 'wrong-access-key-0123456789';
    const res = await check(['--upstream', url], { YESCALE_ACCESS_KEY: wrong });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('PROBLEM: unauthenticated');
    expect(res.stdout).toContain('Unauthenticated: the upstream rejected the access key');
    expect(res.stdout).not.toContain(wrong);
  });

  it('exits 1 when the upstream cannot be reached', async () => {
    const closed = createEmulator({ speed: 0, logsPerUser: 1 });
    const closedUrl = await closed.listen(0, '127.0.0.1');
    await closed.close();
    const res = await checkHere(['--upstream', closedUrl], { YESCALE_ACCESS_KEY: 'k' });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/not reached/);
  });

  it('exits 2 without a key', async () => {
    const res = await check(['--upstream', url], { YESCALE_ACCESS_KEY: undefined });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('check needs YESCALE_ACCESS_KEY or --access-key-file');
  });
});
