/** One pino JSON line per GraphQL request: request id, operation, duration, upstream calls, error codes; secrets redacted. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startHarness, total, type Harness } from './helpers.js';

interface Line {
  level: number;
  msg: string;
  reqId: string;
  operation: string | null;
  batch?: number;
  status: number;
  durationMs: number;
  upstreamCalls: number;
  cache?: string;
  errors?: string[];
}

function capture() {
  const raw: string[] = [];
  const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => raw.push(line) } });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Line).filter((line) => line.msg === 'graphql') };
}

async function post(h: Harness, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.emulator.demoAccessKey}`, ...headers },
    body: JSON.stringify({ query }),
  });
  await res.json();
  return res;
}

describe('request log lines', () => {
  let h: Harness;
  let log: ReturnType<typeof capture>;
  beforeAll(async () => {
    log = capture();
    h = await startHarness({ cache: {}, logger: log.logger });
  });
  afterAll(() => h.close());

  it('logs the request id, operation, status, duration, upstream calls and cache outcome', async () => {
    h.reset();
    const query = 'query Overview { me { username apiKeys { name logs(first: 1) { modelName } } } }';
    const res = await post(h, query, { 'x-request-id': 'req-123' });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const calls = total(h.calls());
    expect(calls).toBe(3);
    await post(h, query, { 'x-request-id': 'req-124' });

    const [first, second] = log.lines().filter((line) => line.reqId.startsWith('req-12'));
    expect(first).toMatchObject({ level: 30, reqId: 'req-123', operation: 'Overview', status: 200, upstreamCalls: calls, cache: 'miss' });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(first.errors).toBeUndefined();
    expect(second).toMatchObject({ reqId: 'req-124', operation: 'Overview', upstreamCalls: 0, cache: 'hit' });
  });

  it('generates a request id when none (or a malformed one) is sent', async () => {
    const res = await post(h, '{ me { email } }', { 'x-request-id': 'bad id with spaces' });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.lines().find((line) => line.reqId === id)).toMatchObject({ operation: null });
  });

  it('counts each concurrent request its own upstream calls', async () => {
    h.reset();
    // One caller each: the upstream client shares identical calls in flight of one credential.
    const [demo, admin, newbie] = h.emulator.users.map((user) => ({ authorization: `Bearer ${user.accessKey}` }));
    await Promise.all([
      post(h, 'query A { me { quota } }', { 'x-request-id': 'conc-a', ...demo }),
      post(h, 'query B { apiKeys { name logs(first: 2) { quota } } }', { 'x-request-id': 'conc-b', ...admin }),
      post(h, 'query C { me { role apiKeys { status } } }', { 'x-request-id': 'conc-c', ...newbie }),
    ]);
    const byId = Object.fromEntries(log.lines().map((line) => [line.reqId, line.upstreamCalls]));
    expect([byId['conc-a'], byId['conc-b'], byId['conc-c']]).toEqual([1, 2, 2]);
    expect(total(h.calls())).toBe(5);
  });

  it('logs a batched request with every operation\'s name, upstream calls and error codes', async () => {
    h.reset();
    const res = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.emulator.demoAccessKey}`, 'x-request-id': 'batch-1' },
      body: JSON.stringify([
        { query: 'query BatchMe { me { username requestCount } }' },
        { query: '{ apiKeys { name remainQuota } }' },
        { query: 'query BatchKeys { apiKeys { name unlimitedQuota } logs(first: 1) { totalCount } }' },
        { query: 'query BatchBad { me { nope } }' },
      ]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(4);
    // /yescale/user, /yescale/logs and /yescale/apikeylist (the two operations' identical calls may be shared in flight)
    const calls = total(h.calls());
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(log.lines().find((line) => line.reqId === 'batch-1')).toMatchObject({
      operation: 'BatchMe,anonymous,BatchKeys,BatchBad',
      batch: 4,
      upstreamCalls: calls,
      errors: ['GRAPHQL_VALIDATION_FAILED'],
    });
  });

  it('logs failed operations at warn with their error codes, and never a credential', async () => {
    await post(h, 'query Denied { me { username } }', { authorization: 'Bearer sk-not-a-real-key-0123456789', 'x-request-id': 'denied' });
    expect(log.lines().find((line) => line.reqId === 'denied')).toMatchObject({ level: 40, operation: 'Denied', errors: ['UNAUTHENTICATED'] });
    const all = log.raw.join('');
    expect(all).not.toContain('sk-not-a-real-key-0123456789');
    for (const user of h.emulator.users) expect(all).not.toContain(user.accessKey);
  });
});

describe('the logger', () => {
  const secrets = { authorization: 'Bearer s1-secret', credential: 's2-secret', accessKey: 's3-secret', redisUrl: 'redis://:s4-secret@h:6379' };

  it('redacts secrets at the top, one level down and in headers', () => {
    const { logger, raw } = capture();
    logger.info({ ...secrets, req: { headers: { authorization: 'Bearer s5-secret', cookie: 's6-secret' } }, upstream: { key: 's7-secret', token: 's8-secret' } }, 'x');
    const line = raw.join('');
    expect(line).not.toMatch(/s\d-secret/);
    expect(JSON.parse(line)).toMatchObject({ authorization: '[Redacted]', req: { headers: { authorization: '[Redacted]' } }, upstream: { key: '[Redacted]' } });
  });

  it('writes pretty lines on a terminal and JSON lines otherwise', () => {
    const script = `import('./src/observability/logger.ts').then((m) => m.createLogger().info(${JSON.stringify(secrets)}, 'hello'))`;
    const command = `${process.execPath} --import tsx -e "${script.replaceAll('"', '\\"')}"`;
    const piped = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    expect(JSON.parse(piped.stdout.trim())).toMatchObject({ level: 30, msg: 'hello', credential: '[Redacted]' });
    // util-linux `script` gives the command a terminal.
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain('INFO');
    expect(tty.stdout).toContain('hello');
    expect(tty.stdout.trim().startsWith('{')).toBe(false);
    expect(tty.stdout).not.toMatch(/s\d-secret/);
  });

  it('takes its level from LOG_LEVEL or --log-level, and refuses an unknown one', () => {
    expect(parseConfig([], {}).logLevel).toBe('info');
    expect(parseConfig([], { LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(parseConfig(['--log-level', 'debug'], { LOG_LEVEL: 'warn' }).logLevel).toBe('debug');
    expect(() => parseConfig([], { LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => parseConfig([], { LOG_LEVEL: 'verbose' })).toThrow(/^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"$/);
    const raw: string[] = [];
    const quiet = createLogger({ level: 'warn', pretty: false, destination: { write: (line: string) => raw.push(line) } });
    quiet.info('not shown');
    quiet.warn('shown');
    expect(raw.map((line) => JSON.parse(line).msg)).toEqual(['shown']);
  });
});
