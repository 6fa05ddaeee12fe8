/** The response cache: hits, per-type TTLs and expiry, per-credential isolation; in memory and shared in a real Redis. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TTL_MS } from '../src/plugins/response-cache.js';
import { createGateway } from '../src/gateway.js';
import { createLogger } from '../src/observability/logger.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { startHarness, type GraphQLResponse, type Harness } from './helpers.js';
import { wsClient } from './live/clients.js';
import { requireProgram } from './programs.js';
import { freePort, startRedis, type RedisServer } from './redis-server.js';

const hasRedisServer = requireProgram('redis-server', 'apt-get install redis-server');

const ME = '{ me { username quotaUsd requestCount } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer extends GraphQLResponse {
  /** the x-response-cache header: hit, miss, or null when the cache was not asked */
  cache: string | null;
}

async function ask(url: string, query: string, auth: string): Promise<Answer> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify({ query }),
  });
  return { ...((await res.json()) as GraphQLResponse), cache: res.headers.get('x-response-cache') };
}

describe('response cache in memory', () => {
  let h: Harness;
  let demoKey: string;
  let adminKey: string;
  const gql = (query: string, auth = demoKey) => ask(h.server.url, query, auth);
  beforeAll(async () => {
    h = await startHarness({ cache: { ttlMs: { User: 400 } } });
    demoKey = h.emulator.demoAccessKey;
    adminKey = h.emulator.users.find((u) => u.username === 'admin')!.accessKey;
  });
  afterAll(() => h.close());

  it('answers a repeated query from the cache without calling the upstream', async () => {
    h.reset();
    const first = await gql(ME);
    expect(first.cache).toBe('miss');
    const second = await gql(ME);
    expect(second.cache).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(second.data.me.username).toBe('demo');
    expect(second).not.toHaveProperty('extensions');
    expect(h.calls()).toEqual({ '/yescale/user': 1 });
  });

  it('a batched request is read per operation: no cache metadata reaches the client, and the header says hit', async () => {
    const batch = async () => {
      const res = await fetch(`${h.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}` },
        body: JSON.stringify([{ query: '{ me { username telegramId } }' }, { query: '{ apiKeys { upstreamId group } }' }]),
      });
      return { body: (await res.json()) as GraphQLResponse[], cache: res.headers.get('x-response-cache') };
    };
    const first = await batch();
    const second = await batch();
    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit');
    for (const answer of [...first.body, ...second.body]) expect(answer).not.toHaveProperty('extensions');
    expect(second.body[0].data.me.username).toBe('demo');
  });

  it('answers 304 to a client sending back the ETag while the entry lives', async () => {
    const query = '{ me { username displayName } }';
    const res = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}` },
      body: JSON.stringify({ query }),
    });
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{64}$/);
    const again = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}`, 'if-none-match': etag },
      body: JSON.stringify({ query }),
    });
    expect(again.status).toBe(304);
  });

  it('answers 304 only to the owner of the entry, and not after their mutation', async () => {
    const query = '{ apiKeys { upstreamId remainQuota } }';
    const revalidate = (auth: string, etag: string) =>
      fetch(`${h.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, 'if-none-match': etag },
        body: JSON.stringify({ query }),
      });
    const first = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}` },
      body: JSON.stringify({ query }),
    });
    const etag = first.headers.get('etag')!;
    const key = ((await first.json()) as GraphQLResponse).data.apiKeys[0];
    expect((await revalidate(demoKey, etag)).status).toBe(304);
    // another caller sending demo's ETag gets their own answer
    const admin = await revalidate(adminKey, etag);
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as GraphQLResponse).data.apiKeys.map((k: { upstreamId: number }) => k.upstreamId)).not.toContain(key.upstreamId);
    // after demo's own mutation the old ETag is stale: a 200 with the new quota
    const quota = key.remainQuota + 1234;
    const write = await gql(`mutation { updateApiKeyQuota(input: { id: "${key.upstreamId}", remainQuota: ${quota} }) { apiKey { remainQuota } } }`);
    expect(write.errors).toBeUndefined();
    const after = await revalidate(demoKey, etag);
    expect(after.status).toBe(200);
    expect(((await after.json()) as GraphQLResponse).data.apiKeys.find((k: { upstreamId: number }) => k.upstreamId === key.upstreamId).remainQuota).toBe(quota);
  });

  it('keeps each credential to its own entries', async () => {
    h.reset();
    await gql(ME);
    const admin = await gql(ME, adminKey);
    expect(admin.cache).toBe('miss');
    expect(admin.data.me.username).toBe('admin');
    expect((await gql(ME)).data.me.username).toBe('demo');
    const adminAgain = await gql(ME, adminKey);
    expect(adminAgain.cache).toBe('hit');
    expect(adminAgain.data.me.username).toBe('admin');
  });

  it('expires an entry after the shortest TTL of the types in the answer', async () => {
    h.reset();
    const keys = '{ apiKeys { name } }'; // ApiKey: 30 s
    const keysOfMe = '{ me { username apiKeys { name } } }'; // User (400 ms here) and ApiKey
    for (const query of [keys, keysOfMe]) {
      expect((await gql(query)).cache).toBe('miss');
      expect((await gql(query)).cache).toBe('hit');
    }
    await sleep(600);
    expect((await gql(keys)).cache).toBe('hit');
    expect((await gql(keysOfMe)).cache).toBe('miss');
    expect(h.calls()).toEqual({ '/yescale/user': 2, '/yescale/apikeylist': 3 });
  });

  it('never stores an answer with an error, nor introspection', async () => {
    h.reset();
    h.emulator.setFault({ mode: 'invalidToken', path: '/yescale/user', count: 1 });
    const query = '{ me { username role } }';
    const failed = await gql(query);
    expect(failed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const retried = await gql(query);
    expect(retried.cache).toBe('miss');
    expect(retried.errors).toBeUndefined();
    expect(retried.data.me.username).toBe('demo');
    expect(h.calls()['/yescale/user']).toBe(2);

    const introspection = '{ __schema { queryType { name } } }';
    await gql(introspection);
    expect((await gql(introspection)).cache).toBe('miss');
  });

  it('a query over WebSocket is answered, neither from nor into the cache (it has no HTTP request to carry the outcome)', async () => {
    h.reset();
    const client = wsClient(h.server.url, demoKey);
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await new Promise((resolve, reject) => {
          let last: unknown;
          client.subscribe({ query: '{ me { username quotaUsd } }' }, { next: (value) => (last = value), error: reject, complete: () => resolve(last) });
        });
        expect(answer).toEqual({ data: { me: { username: 'demo', quotaUsd: expect.any(Number) } } });
      }
    } finally {
      await client.dispose();
    }
    expect(h.calls()).toEqual({ '/yescale/user': 2 });
  });

  it('is off unless configured (the CLI turns it on; --no-cache turns it off)', async () => {
    const off = await startHarness();
    try {
      await ask(off.server.url, ME, off.emulator.demoAccessKey);
      const second = await ask(off.server.url, ME, off.emulator.demoAccessKey);
      expect(second.cache).toBeNull();
      expect(off.calls()['/yescale/user']).toBe(2);
    } finally {
      await off.close();
    }
  });
});

describe.skipIf(!hasRedisServer)('response cache shared in Redis by two gateway instances', () => {
  let redis: RedisServer;
  let a: Harness;
  let b: RunningServer;
  let adminKey: string;
  beforeAll(async () => {
    redis = await startRedis();
    const cache = { redisUrl: redis.url, ttlMs: { User: 500 } };
    a = await startHarness({ cache });
    // A second instance on the same upstream and the same Redis, as behind a load balancer.
    b = await startServer(createGateway({ upstream: a.upstreamUrl, cache }), 0, '127.0.0.1');
    adminKey = a.emulator.users.find((u) => u.username === 'admin')!.accessKey;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('serves one instance the answer the other cached, per credential, until the TTL', async () => {
    a.reset();
    const demoKey = a.emulator.demoAccessKey;
    const first = await ask(a.server.url, ME, demoKey);
    expect(first.cache).toBe('miss');
    const fromB = await ask(b.url, ME, demoKey);
    expect(fromB.cache).toBe('hit');
    expect(fromB.data).toEqual(first.data);
    expect(a.calls()).toEqual({ '/yescale/user': 1 });

    const adminFromB = await ask(b.url, ME, adminKey);
    expect(adminFromB.cache).toBe('miss');
    expect(adminFromB.data.me.username).toBe('admin');
    const adminFromA = await ask(a.server.url, ME, adminKey);
    expect(adminFromA.cache).toBe('hit');
    expect(adminFromA.data.me.username).toBe('admin');
    expect(a.calls()).toEqual({ '/yescale/user': 2 });

    await sleep(800);
    const expired = await ask(b.url, ME, demoKey);
    expect(expired.cache).toBe('miss');
    expect(expired.data.me.username).toBe('demo');
    expect(a.calls()).toEqual({ '/yescale/user': 3 });
  });

  it("a mutation on one instance drops its caller's answers on the other, and no one else's", async () => {
    const KEYS = '{ apiKeys { upstreamId remainQuota } }';
    const demoKey = a.emulator.demoAccessKey;
    for (const key of [demoKey, adminKey]) {
      expect((await ask(a.server.url, KEYS, key)).cache).toBe('miss');
      expect((await ask(b.url, KEYS, key)).cache).toBe('hit');
    }
    const target = a.emulator.apiKeys('demo')[0];
    const update = `mutation { updateApiKeyQuota(input: { id: "${target.id}", remainQuota: 4242 }) { apiKey { remainQuota } } }`;
    const done = await ask(a.server.url, update, demoKey);
    expect(done.errors).toBeUndefined();
    const fromB = await ask(b.url, KEYS, demoKey);
    expect(fromB.cache).toBe('miss');
    expect(fromB.data.apiKeys.find((k: { upstreamId: number }) => k.upstreamId === target.id).remainQuota).toBe(4242);
    expect((await ask(b.url, KEYS, adminKey)).cache).toBe('hit');
  });

  it('stores answers under hashed, prefixed keys with their TTL, and never a credential', async () => {
    const client = new Redis(redis.url);
    try {
      await client.flushall();
      await ask(a.server.url, '{ me { email } }', a.emulator.demoAccessKey);
      await ask(a.server.url, '{ apiKeys { name } }', adminKey);
      const keys = await client.keys('*');
      expect(keys).toHaveLength(2);
      const ttls = [];
      for (const key of keys) {
        expect(key).toMatch(/^yescale-graphql:[0-9a-f]{32}\.[0-9a-f]{64}$/);
        ttls.push(await client.pttl(key));
        const value = (await client.get(key))!;
        for (const user of a.emulator.users) {
          expect(key).not.toContain(user.accessKey);
          expect(value).not.toContain(user.accessKey);
        }
      }
      ttls.sort((x, y) => x - y);
      expect(ttls[0]).toBeGreaterThan(0);
      expect(ttls[0]).toBeLessThanOrEqual(500); // User, as configured
      expect(ttls[1]).toBeGreaterThan(500);
      expect(ttls[1]).toBeLessThanOrEqual(DEFAULT_TTL_MS.ApiKey);
    } finally {
      client.disconnect();
    }
  });
});

// No redis-server needed: nothing listens on the port.
describe('response cache with Redis unreachable', () => {
  it('answers uncached when Redis is unreachable', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', pretty: false, destination: { write: (line: string) => lines.push(line) } });
    const h = await startHarness({ cache: { redisUrl: `redis://127.0.0.1:${port}` }, logger });
    try {
      const first = await ask(h.server.url, ME, h.emulator.demoAccessKey);
      const second = await ask(h.server.url, ME, h.emulator.demoAccessKey);
      expect(first.data.me.username).toBe('demo');
      expect(second.data.me.username).toBe('demo');
      expect(second.cache).toBe('miss');
      expect(h.calls()['/yescale/user']).toBe(2);
      expect(lines.map((line) => JSON.parse(line).msg)).toContain('response cache unavailable (Redis); answering uncached');
    } finally {
      await h.close();
    }
  });
});
