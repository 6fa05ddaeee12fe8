/**
 * src/http/fast-path.ts against yoga: the same requests to two gateways over one emulator, one with
 * the fast path and one without, must get the same status, headers (but the date and the request id)
 * and body; with the response cache on (in memory and in Redis) as well. Requests it must leave to
 * yoga are checked to have been left (`fastPath.served` does not move).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/observability/logger.js';
import type { CacheOptions } from '../src/plugins/response-cache.js';
import { startHarness, type Harness } from './helpers.js';
import { requireProgram } from './programs.js';
import { startRedis, type RedisServer } from './redis-server.js';

const hasRedisServer = requireProgram('redis-server', 'apt-get install redis-server');

const LIMITS = { maxDepth: 8, maxCost: 5_000, maxBatch: 3 };
let h: Harness;
let slow: { gateway: Gateway; server: RunningServer };

/** error-level log lines (50) of a gateway */
function errorLog() {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'error', pretty: false, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { logger, lines };
}
const fastLog = errorLog();
const slowLog = errorLog();

beforeAll(async () => {
  h = await startHarness({ limits: LIMITS, introspection: false, logger: fastLog.logger });
  const gateway = createGateway({ upstream: h.upstreamUrl, limits: LIMITS, introspection: false, fastPath: false, logger: slowLog.logger });
  slow = { gateway, server: await startServer(gateway, 0, '127.0.0.1') };
});
afterAll(async () => {
  await slow.server.close();
  await h.close();
});

interface Sent {
  headers?: Record<string, string>;
  body: unknown;
  method?: string;
}

async function send(url: string, sent: Sent, auth: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...sent.headers };
  if (auth) headers.authorization = `Bearer ${auth}`;
  const res = await fetch(`${url}/graphql`, { method: sent.method ?? 'POST', headers, body: typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body) });
  // every header but the date and the request id (compared apart)
  const rest = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));
  return { status: res.status, headers: rest, requestId: res.headers.get('x-request-id'), body: await res.text() };
}

interface Pair {
  fast: { gateway: Gateway; server: RunningServer };
  slow: { server: RunningServer };
}

/** Both gateways' answers, and whether the fast path answered. */
async function both(sent: Sent, auth: string | null = h.emulator.demoAccessKey, pair: Pair = { fast: h, slow }) {
  const before = pair.fast.gateway.fastPath!.served;
  const fast = await send(pair.fast.server.url, sent, auth);
  const served = pair.fast.gateway.fastPath!.served - before;
  const yoga = await send(pair.slow.server.url, sent, auth);
  return { fast, yoga, served };
}

const ME = { query: '{ me { username quota quotaUsd } }' };

describe('the fast path answers as yoga does', () => {
  it('a query, under every Accept it knows, with the media type yoga picks', async () => {
    const accepts = [undefined, '*/*', 'application/json', 'application/json, */*', 'application/json, text/plain, */*', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json,application/json;q=0.9', 'application/graphql-response+json, application/json', 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed'];
    for (const accept of accepts) {
      const { fast, yoga, served } = await both({ body: ME, headers: accept ? { accept } : {} });
      expect(served, String(accept)).toBe(1);
      expect({ ...fast, requestId: undefined }, String(accept)).toEqual({ ...yoga, requestId: undefined });
      expect(fast.requestId).toMatch(/^[\w-]{36}$/);
      expect(JSON.parse(fast.body).data.me.username).toBe('demo');
    }
  });

  it('variables, a chosen operation, a sent request id, errors from the upstream and the cost limit', async () => {
    const cases: Sent[] = [
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount edges { node { id modelName quota } } } } query B { me { username } }', variables: { n: 3 }, operationName: 'A' } },
      { body: { ...ME, variables: null, operationName: null } },
      { body: ME, headers: { 'x-request-id': 'trace-42' } },
      // refused by the cost limit at execution: no data, an error with a code
      { body: { query: '{ logs(first: 5000) { edges { node { id modelName quota promptTokens } } } }' } },
      // variables that do not fit the operation: refused before execution, no data
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount } }', variables: { n: 'three' } } },
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount } }' } },
      // a node id that names nothing: an error in the result beside data
      { body: { query: '{ node(id: "bm90LWEtbm9kZQ==") { id } }' } },
    ];
    for (const sent of cases) {
      const { fast, yoga, served } = await both(sent);
      expect(served, JSON.stringify(sent.body)).toBe(1);
      expect({ ...fast, requestId: undefined }, JSON.stringify(sent.body)).toEqual({ ...yoga, requestId: undefined });
    }
    expect((await both(cases[2])).fast.requestId).toBe('trace-42');
    const refused = JSON.parse((await both(cases[3])).fast.body);
    expect((await both(cases[4])).fast.status).toBe(200);
    expect(refused.errors[0].extensions.code).toBe('QUERY_COMPLEXITY');
  });

  it('an error thrown outside the result: masked alike, and logged by both', async () => {
    // variables nested past the stack's depth: the cost limit's JSON.stringify of them throws
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const before = [fastLog.lines.length, slowLog.lines.length];
    const { fast, yoga, served } = await both({ body: `{"query": "query A($n: Int) { logs(first: $n) { totalCount } }", "variables": {"n": ${deep}}}` });
    expect(served).toBe(1);
    expect({ ...fast, requestId: undefined }).toEqual({ ...yoga, requestId: undefined });
    expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(fastLog.lines.length).toBeGreaterThan(before[0]);
    expect(slowLog.lines.length).toBeGreaterThan(before[1]);
  });

  it('no credential, and a key the upstream refuses: the same coded errors', async () => {
    for (const auth of [null, 'sk-not-a-key']) {
      const { fast, yoga, served } = await both({ body: ME }, auth);
      expect(served).toBe(1);
      expect({ ...fast, requestId: undefined }).toEqual({ ...yoga, requestId: undefined });
      expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a mutation, sent once', async () => {
    const key = h.emulator.apiKeys('demo')[0];
    const mutation = { query: `mutation { updateApiKeyQuota(input: { id: "${key.id}", remainQuota: 4242 }) { apiKey { upstreamId remainQuota } } }` };
    h.reset();
    const { fast, yoga, served } = await both({ body: mutation });
    expect(served).toBe(1);
    expect(fast).toMatchObject({ status: yoga.status, headers: yoga.headers, body: yoga.body });
    expect(h.calls()[`PUT /yescale/editquota/${key.id}`]).toBe(2);
  });

  it('leaves to yoga, unanswered, whatever it does not know', async () => {
    const left: Sent[] = [
      { body: '{"query": "{ me { username } " }' }, // not JSON
      { body: { query: '{ me { username ' } }, // does not parse
      { body: { query: '{ me { nope } }' } }, // does not validate
      { body: { query: '{ __schema { types { name } } }' } }, // introspection is off
      { body: { query: '{ a: me { b: apiKeys { c: usage { totals { requests } } } } }'.replace('{ requests }', '{ requests } groups { day }') } },
      { body: { query: '{ me { username } }', operationName: 'Missing' } },
      { body: [ME, ME] }, // a batch
      { body: { ...ME, extensions: {} } },
      { body: { ...ME, unexpected: 1 } },
      { body: { ...ME, variables: [1] } },
      { body: { query: 'subscription { balance(below: 1) { quota } }' }, headers: { accept: 'application/json' } },
      { body: ME, headers: { accept: 'text/html' } },
      { body: ME, headers: { accept: 'text/event-stream' } },
      { body: ME, headers: { 'content-type': 'text/plain' } },
      { body: ME, headers: { 'content-type': 'application/graphql+json' } },
      { body: ME, headers: { origin: 'http://elsewhere.example' } },
      { body: ME, method: 'PUT' },
    ];
    for (const sent of left) {
      const { fast, yoga, served } = await both(sent);
      expect(served, JSON.stringify(sent)).toBe(0);
      expect({ ...fast, requestId: undefined }, JSON.stringify(sent)).toEqual({ ...yoga, requestId: undefined });
    }
  });
});

/** Two gateways with the same response cache settings on the harness's emulator, the second without the fast path. */
async function cachedPair(fast: CacheOptions, slow: CacheOptions): Promise<Pair & { close(): Promise<void> }> {
  const start = async (cache: CacheOptions, fastPath: boolean) => {
    const gateway = createGateway({ upstream: h.upstreamUrl, limits: LIMITS, cache, fastPath });
    return { gateway, server: await startServer(gateway, 0, '127.0.0.1') };
  };
  const pair = { fast: await start(fast, true), slow: await start(slow, false) };
  expect(pair.fast.gateway.fastPath).toBeTruthy();
  return { ...pair, close: async () => void (await Promise.all([pair.fast.server.close(), pair.slow.server.close()])) };
}

type Answer = Awaited<ReturnType<typeof send>>;

/** The same answer but for Last-Modified, a time (each gateway stored its own entry): both have it, or neither. */
function expectSame(fast: Answer, yoga: Answer, what: string) {
  const { 'last-modified': fastModified, ...fastHeaders } = fast.headers;
  const { 'last-modified': yogaModified, ...yogaHeaders } = yoga.headers;
  expect({ ...fast, headers: fastHeaders, requestId: undefined }, what).toEqual({ ...yoga, headers: yogaHeaders, requestId: undefined });
  expect(fastModified === undefined, what).toBe(yogaModified === undefined);
  if (fastModified !== undefined) expect(Number.isNaN(Date.parse(fastModified)), what).toBe(false);
}

/** Sends `sent` to both; checks the fast path answered and alike; returns the fast one's x-response-cache and answer. */
async function cachedAlike(pair: Pair, sent: Sent, auth: string | null = h.emulator.demoAccessKey) {
  const { fast, yoga, served } = await both(sent, auth, pair);
  expect(served, JSON.stringify(sent)).toBe(1);
  expectSame(fast, yoga, JSON.stringify(sent));
  return { cache: fast.headers['x-response-cache'], fast };
}

function cacheCases(cacheOf: () => Promise<{ fast: CacheOptions; slow: CacheOptions; close?: () => Promise<void> }>) {
  let pair: Pair & { close(): Promise<void> };
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const { fast, slow, close } = await cacheOf();
    stop = close;
    pair = await cachedPair(fast, slow);
  });
  afterAll(async () => {
    await pair?.close();
    await stop?.();
  });
  const QUERY = { body: { query: '{ me { username quotaUsd requestCount } }' } };

  it('a miss, then a hit without an upstream call, with the same ETag; another document is a miss', async () => {
    h.reset();
    const miss = await cachedAlike(pair, QUERY);
    expect(miss.cache).toBe('miss');
    expect(miss.fast.headers.etag).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{64}$/);
    const hit = await cachedAlike(pair, QUERY);
    expect(hit.cache).toBe('hit');
    expect(hit.fast.body).toBe(miss.fast.body);
    expect(hit.fast.headers.etag).toBe(miss.fast.headers.etag);
    expect(JSON.parse(hit.fast.body)).not.toHaveProperty('extensions');
    expect(h.calls()).toEqual({ '/yescale/user': 2 }); // one per gateway
    expect((await cachedAlike(pair, { body: { query: '{ me { username } }' } })).cache).toBe('miss');
  });

  it('a 304 to the ETag sent back, and a 200 to an unknown one: both left to yoga', async () => {
    const { fast } = await cachedAlike(pair, QUERY);
    for (const etag of [fast.headers.etag, 'f'.repeat(64)]) {
      const revalidated = await both({ ...QUERY, headers: { 'if-none-match': etag } }, h.emulator.demoAccessKey, pair);
      expect(revalidated.served).toBe(0);
      expectSame(revalidated.fast, revalidated.yoga, etag);
    }
    const notModified = await both({ ...QUERY, headers: { 'if-none-match': fast.headers.etag } }, h.emulator.demoAccessKey, pair);
    expect(notModified.fast.status).toBe(304);
    expect(notModified.fast.body).toBe('');
  });

  it("two callers never share an entry: each one's miss, then each one's hit", async () => {
    const admin = h.emulator.users.find((u) => u.username === 'admin')!.accessKey;
    const query = { body: { query: '{ me { username email } }' } };
    expect((await cachedAlike(pair, query)).cache).toBe('miss');
    const adminMiss = await cachedAlike(pair, query, admin);
    expect(adminMiss.cache).toBe('miss');
    expect(JSON.parse(adminMiss.fast.body).data.me.username).toBe('admin');
    const adminHit = await cachedAlike(pair, query, admin);
    expect(adminHit.cache).toBe('hit');
    expect(JSON.parse(adminHit.fast.body).data.me.username).toBe('admin');
    const demoHit = await cachedAlike(pair, query);
    expect(demoHit.cache).toBe('hit');
    expect(JSON.parse(demoHit.fast.body).data.me.username).toBe('demo');
    // no credential: no cache asked, the same coded error
    const none = await cachedAlike(pair, query, null);
    expect(none.cache).toBeUndefined();
    expect(JSON.parse(none.fast.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it("a mutation, sent once by each, makes its caller's next query a miss again; another caller's stays a hit", async () => {
    const admin = h.emulator.users.find((u) => u.username === 'admin')!.accessKey;
    const keys = { body: { query: '{ apiKeys { upstreamId remainQuota } }' } };
    for (const auth of [h.emulator.demoAccessKey, admin]) {
      await cachedAlike(pair, keys, auth);
      expect((await cachedAlike(pair, keys, auth)).cache).toBe('hit');
    }
    const target = h.emulator.apiKeys('demo')[0];
    h.reset();
    const done = await cachedAlike(pair, { body: { query: `mutation { updateApiKeyQuota(input: { id: "${target.id}", remainQuota: 5151 }) { apiKey { remainQuota } } }` } });
    expect(JSON.parse(done.fast.body).errors).toBeUndefined();
    expect(h.calls()[`PUT /yescale/editquota/${target.id}`]).toBe(2);
    const after = await cachedAlike(pair, keys);
    expect(after.cache).toBe('miss');
    expect(JSON.parse(after.fast.body).data.apiKeys.find((k: { upstreamId: number }) => k.upstreamId === target.id).remainQuota).toBe(5151);
    expect((await cachedAlike(pair, keys, admin)).cache).toBe('hit');
  });

  it('variables the cache key cannot be made of (too deep for JSON.stringify): the same masked error', async () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const { fast } = await cachedAlike(pair, { body: `{"query": "query A($n: Int) { logs(first: $n) { totalCount } }", "variables": {"n": ${deep}}}` });
    expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('never stores an answer with an error, nor introspection', async () => {
    const query = { body: { query: '{ me { username role } }' } };
    h.reset();
    h.emulator.setFault({ mode: 'invalidToken', path: '/yescale/user', count: 2 }); // one call per gateway
    const failed = await cachedAlike(pair, query);
    expect(JSON.parse(failed.fast.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(failed.cache).toBe('miss');
    expect((await cachedAlike(pair, query)).cache).toBe('miss');
    expect((await cachedAlike(pair, query)).cache).toBe('hit');
    const introspection = { body: { query: '{ __schema { queryType { name } } }' } };
    for (let i = 0; i < 2; i++) expect((await cachedAlike(pair, introspection)).cache).toBe('miss');
  });
}

describe('the fast path answers as yoga does with the response cache in memory', () => {
  cacheCases(async () => ({ fast: {}, slow: {} }));
});

describe.skipIf(!hasRedisServer)('the fast path answers as yoga does with the response cache in Redis', () => {
  let redis: RedisServer;
  // one server, a database each: the two gateways must not share entries
  cacheCases(async () => {
    redis = await startRedis();
    return { fast: { redisUrl: `${redis.url}/0` }, slow: { redisUrl: `${redis.url}/1` }, close: () => redis.stop() };
  });
});

describe('the fast path is off when a plugin acts on every HTTP request', () => {
  it('with a trusted-documents manifest, and when asked; on with the response cache and the dashboard', () => {
    const upstream = h.upstreamUrl;
    const gateways = [createGateway({ upstream, trustedDocuments: 'dashboard/gql/persisted-documents.json' }), createGateway({ upstream, fastPath: false })];
    // (yoga's server adapter reads a null property as undefined)
    for (const gateway of gateways) expect(gateway.fastPath).toBeFalsy();
    const on = [createGateway({ upstream, dashboard: true }), createGateway({ upstream, cache: {} })];
    for (const gateway of on) expect(gateway.fastPath).toBeTruthy();
    for (const gateway of [...gateways, ...on]) void gateway.dispose();
  });
});
