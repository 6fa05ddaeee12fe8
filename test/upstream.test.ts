/** The upstream client over real HTTP against hand-made answers: envelope, list shapes, defensive parsing. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../src/upstream/errors.js';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp, toSearch } from '../src/upstream/http.js';
import { fromLatin1 } from '../src/upstream/json.js';
import { logOther } from '../src/upstream/records.js';
import { decodeLogs } from '../src/live/log-poller.js';
import { UsageAggregator } from '../src/usage/aggregate.js';
import { logNodeId } from '../src/queries/node-id.js';
import { getUser, listApiKeys, listLogs, listLogsRaw, listTasks } from '../src/upstream/yescale.js';
import { toCredential } from '../src/upstream/credential.js';
import { startHarness, allLogs } from './helpers.js';

/** path -> [status, body] */
const answers = new Map<string, [number, string]>();
const seen: { url: string; authorization?: string }[] = [];
/** requests to /yescale/hang are never answered: resolves when the client closes one */
const hangClosed: (() => void)[] = [];
let server: Server;
let http: UpstreamHttp;
const caller = { credential: toCredential('secret-access-key-123456'), upstreamCalls: 0 };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    if (req.url!.startsWith('/yescale/hang')) return void res.on('close', () => hangClosed.shift()?.());
    const [status, body] = answers.get(req.url!.split('?')[0]) ?? [404, ''];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await http.close();
  server.close();
});

const reply = (path: string, body: unknown, status = 200) => answers.set(path, [status, typeof body === 'string' ? body : JSON.stringify(body)]);

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('the query string of an upstream call', () => {
  it('is what URLSearchParams writes, for plain and for any other value, and leaves out unset ones', () => {
    const values = ['gpt-4o', 'claude-3.5_sonnet*', '', 'a b', "it's (1)!~", 'a+b&c=d/e?f#g%h', '模型', 'é', '\ud800x', '0', 12, -1.5];
    for (const value of values) {
      const query = { p: 1, token_name: value, model_name: undefined, page_size: 20 };
      const expected = new URLSearchParams();
      for (const [name, v] of Object.entries(query)) if (v !== undefined && v !== '') expected.set(name, String(v));
      expect(toSearch(query)).toBe(`?${expected.toString()}`);
    }
    expect(toSearch({})).toBe('');
    expect(toSearch({ a: undefined, b: '' })).toBe('');
  });
});

describe('upstream client', () => {
  it('refuses an access key that cannot be sent in a header before sending anything, and the pool still serves others', async () => {
    reply('/yescale/user', { success: true, data: { username: 'u' } });
    const before = seen.length;
    const bad = { credential: toCredential('key\u0100'), upstreamCalls: 0 };
    // more than the pool's connections: undici, given such a header, left a connection waiting each time
    for (let i = 0; i < DEFAULT_HTTP_OPTIONS.maxConcurrent + 4; i++) {
      const error = await failure(http.getData('/yescale/user', {}, bad));
      expect([error.kind, error.message]).toEqual(['UNAUTHENTICATED', expect.stringMatching(/visible ASCII/)]);
    }
    // a key write too
    expect((await failure(http.write('DELETE', '/yescale/deletekey/1', undefined, bad))).kind).toBe('UNAUTHENTICATED');
    expect([bad.upstreamCalls, seen.length - before]).toEqual([0, 0]);
    await expect(http.getData('/yescale/user', {}, { ...caller, upstreamCalls: 0 })).resolves.toEqual({ username: 'u' });
  });

  it("aborts the upstream request itself once the call's last waiter has left (its deadline passed)", async () => {
    const closed = new Promise<void>((resolve) => hangClosed.push(resolve));
    const leaving = { ...caller, signal: AbortSignal.timeout(50), deadline: Date.now() + 50 };
    const error = await failure(http.getData('/yescale/hang', {}, leaving));
    expect(error.message).toMatch(/deadline/);
    // the connection is closed by the client, not left to undici's 15 s headers timeout
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 2_000).unref());
    await expect(Promise.race([closed.then(() => 'closed'), late])).resolves.toBe('closed');
  });

  it('sends the Bearer credential and the query, and decodes the envelope', async () => {
    reply('/yescale/user', { data: { username: 'u', quota: 8664402091, role: 100, used_quota: '5', extra: 1 }, message: '', success: true });
    const user = await getUser(http, caller);
    expect(user).toMatchObject({ username: 'u', quota: 8664402091, role: 'ROOT', usedQuota: 5, displayName: null, accessToken: null });
    expect(seen.at(-1)).toEqual({ url: '/yescale/user', authorization: 'Bearer secret-access-key-123456' });
  });

  it('accepts `data` without `success` (the apikeylist sample) and a page object for keys', async () => {
    reply('/yescale/apikeylist', { data: [{ id: 1, name: 'a', status: 9, expired_time: -1, model_limits: 'x,y', allow_ips: '1.1.1.1\n2.2.2.2' }] });
    const [key] = await listApiKeys(http, caller, { keyword: 'a b' });
    expect(key).toMatchObject({ id: 1, status: 'UNKNOWN', expiresAt: null, modelLimits: ['x', 'y'], allowIps: ['1.1.1.1', '2.2.2.2'] });
    expect(seen.at(-1)!.url).toBe('/yescale/apikeylist?keyword=a+b');
    reply('/yescale/apikeylist', { success: true, data: { items: [{ id: 2, name: 'b' }], total: 1, page: 1, page_size: 10 } });
    expect((await listApiKeys(http, caller, {}))[0].name).toBe('b');
  });

  it('parses tasks with unknown statuses and odd progress defensively', async () => {
    reply('/yescale/task', { success: true, data: [{ id: 1, status: 'WEIRD', progress: '45%' }, { id: 2, status: 'SUCCESS', progress: '' }] });
    const tasks = await listTasks(http, caller, { start_timestamp: 1, end_timestamp: 2 });
    expect(tasks.map((t) => [t.status, t.progress])).toEqual([
      ['UNKNOWN', 45],
      ['SUCCESS', null],
    ]);
  });

  it("a subscription's published logs keep `other` (still unparsed) and their ids", async () => {
    reply('/yescale/logs', { success: true, data: [{ created_at: 1700000000, type: 2, quota: 3, other: '{"cache_tokens":4}' }] });
    const [entry] = (await listLogs(http, caller, { p: 1 })).items;
    const [published] = decodeLogs(JSON.parse(JSON.stringify([entry])));
    expect(logOther(published)).toEqual({ cache_tokens: 4 });
    expect(logNodeId(published)).toBe(logNodeId(entry));
  });

  it('reads logs as a plain array (no total) or a page, with `other` as JSON inside a string', async () => {
    reply('/yescale/logs', { success: true, data: [{ created_at: 1700000000, type: 2, other: '{"frt":12}' }, { created_at: 1700000001, type: 42, other: 'not json' }] });
    const plain = await listLogs(http, caller, { p: 1 });
    expect(plain.total).toBeNull();
    expect(plain.items.map((l) => [l.type, logOther(l)])).toEqual([
      ['CONSUME', { frt: 12 }],
      ['UNKNOWN', null],
    ]);
    expect(logNodeId(plain.items[0])).not.toBe(logNodeId(plain.items[1]));
    reply('/yescale/logs', { success: true, data: { items: [], total: 7, page: 2, page_size: 100 } });
    expect(await listLogs(http, caller, { p: 2 })).toEqual({ items: [], total: 7, pageSize: 100 });
  });

  it('the lean log reader (latin1 body): exact numbers, names recovered once per group, real upstream messages', async () => {
    const items = [
      { type: 2, model_name: '模型-x', token_name: 'ключ-1', quota: 12, prompt_tokens: 3, other: '{"frt":7}', content: '模型倍率' },
      { type: 2, model_name: '模型-x', token_name: 'ключ-1', quota: 5, prompt_tokens: 1, other: '' },
      { type: 2, model_name: 'gpt-4o', token_name: 'ключ-2', quota: 1, prompt_tokens: 2, other: '{"cache_tokens":4}' },
    ];
    reply('/yescale/logs', { success: true, data: { items, total: 3, page: 1, page_size: 10 } });
    const page = await listLogsRaw(http, caller, {});
    expect(fromLatin1(page.items[0].model_name as string)).toBe('模型-x');
    expect(page.items.map((e) => e.quota)).toEqual([12, 5, 1]);
    const byModel = new UsageAggregator({ groupBy: ['MODEL', 'API_KEY'], timeZone: 'UTC', maxGroups: 10 });
    const oneKey = new UsageAggregator({ groupBy: [], timeZone: 'UTC', tokenName: 'ключ-1', maxGroups: 10 });
    for (const entry of page.items) {
      byModel.add(entry);
      oneKey.add(entry);
    }
    expect(byModel.report().groups.map((g) => [g.model, g.tokenName, g.quota, g.promptTokens, g.cacheTokens])).toEqual([
      ['gpt-4o', 'ключ-2', 1, 2, 4],
      ['模型-x', 'ключ-1', 17, 4, 0],
    ]);
    expect(oneKey.report().totals).toMatchObject({ requests: 2, quota: 17, firstResponseMsSum: 7, firstResponseCount: 1 });
    reply('/yescale/logs', { success: false, message: '无效的令牌 access token invalid' });
    const error = await failure(listLogsRaw(http, caller, {}));
    expect(error.details.upstreamMessage).toBe('无效的令牌 access token invalid');
  });

  it.each([
    [401, { success: false, message: 'not logged in' }, 'UNAUTHENTICATED'],
    [200, { success: false, message: 'access token invalid' }, 'UNAUTHENTICATED'],
    [200, { success: false, message: 'start_timestamp and end_timestamp are required' }, 'UPSTREAM_ERROR'],
    [429, '', 'RATE_LIMITED'],
    [503, '<html>down</html>', 'UPSTREAM_UNAVAILABLE'],
    [404, '', 'UPSTREAM_BAD_RESPONSE'],
    [200, '<html>', 'UPSTREAM_BAD_RESPONSE'],
    [200, '[1,2]', 'UPSTREAM_BAD_RESPONSE'],
    [200, { success: true }, 'UPSTREAM_BAD_RESPONSE'],
    [200, { success: true, data: 'oops' }, 'UPSTREAM_BAD_RESPONSE'],
  ])('HTTP %i %j -> %s, never echoing the credential', async (status, body, kind) => {
    reply('/yescale/logs', body, status);
    const error = await failure(listLogs(http, caller, {}));
    expect(error.kind).toBe(kind);
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(caller.credential.secret);
  });

  it('an unreachable upstream is UPSTREAM_UNAVAILABLE', async () => {
    const dead = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: 'http://127.0.0.1:1', connectTimeoutMs: 500 });
    const error = await failure(getUser(dead, caller));
    expect(error.kind).toBe('UPSTREAM_UNAVAILABLE');
    await dead.close();
  });

  it('a base URL with a path prefix is kept', async () => {
    const prefixed = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/proxy/` });
    await prefixed.getData('/yescale/user', {}, { credential: toCredential('k'), upstreamCalls: 0 }).catch(() => undefined);
    expect(seen.at(-1)!.url).toBe('/proxy/yescale/user');
    await prefixed.close();
  });
});

describe('an upstream that clamps page_size', () => {
  it('the logs connection follows the page size the upstream actually served', async () => {
    const h = await startHarness({}, { logsPerUser: 1_000, maxPageSize: 100 });
    try {
      const res = await h.gql(`{ logs(first: 250) { totalCount edges { node { createdAt } } pageInfo { hasNextPage } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.logs.edges).toHaveLength(250);
      res.data.logs.edges.forEach((e: any, i: number) => expect(e.node.createdAt).toBe(new Date(h.emulator.log('demo', i).created_at * 1000).toISOString()));
      expect(res.data.logs.pageInfo.hasNextPage).toBe(true);
      // one probe at the asked size, then pages 1..3 of the size the upstream served
      expect(h.emulator.stats().requests.map((r) => r.query.page_size)).toEqual(['250', '100', '100', '100']);

      // ApiKey.logs of one key follows the served page size too, and first: 0 asks nothing
      h.reset();
      const all = allLogs(h.emulator);
      const busiest = h.emulator.apiKeys('demo').map((k) => ({ k, n: all.filter((l) => l.token_name === k.name).length })).sort((a, b) => b.n - a.n)[0];
      expect(busiest.n).toBeGreaterThan(100);
      const key = await h.gql(`query($id: ID!, $n: Int) { apiKey(id: $id) { name logs(first: $n) { tokenName } none: logs(first: 0) { tokenName } } }`, {
        id: String(busiest.k.id),
        n: busiest.n,
      });
      expect(key.errors).toBeUndefined();
      expect(key.data.apiKey.logs).toHaveLength(busiest.n);
      expect(key.data.apiKey.none).toEqual([]);
      expect(h.emulator.stats().requests.filter((r) => r.path === '/yescale/logs').every((r) => r.query.page_size !== '0')).toBe(true);
    } finally {
      await h.close();
    }
  });
});
