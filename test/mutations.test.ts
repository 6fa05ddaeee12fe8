/**
 * Key management end to end: Mutation.updateApiKeyQuota / deleteApiKey on the real gateway and
 * emulator. Each test asserts the emulator's state and its upstream call counts, not only data.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { startHarness, total, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { logsPerUser: 300 });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const UPDATE = `mutation U($input: UpdateApiKeyQuotaInput!) { updateApiKeyQuota(input: $input) { clientMutationId apiKey { upstreamId remainQuota status } } }`;
const DELETE = `mutation D($input: DeleteApiKeyInput!) { deleteApiKey(input: $input) { clientMutationId deletedApiKeyId } }`;
const userOf = (name: string) => h.emulator.users.find((u) => u.username === name)!;
const keyOf = (user: string, n: number) => h.emulator.apiKeys(user)[n];
const writes = () => Object.entries(h.calls()).filter(([path]) => /^(PUT|DELETE) /.test(path));

describe('updateApiKeyQuota', () => {
  it('sets the quota upstream and answers the key read back, status unchanged', async () => {
    const key = h.emulator.apiKeys('demo').find((k) => k.status === 4)!;
    const res = await h.gql(UPDATE, { input: { id: String(key.id), remainQuota: 750_000, clientMutationId: 'c1' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateApiKeyQuota).toEqual({ clientMutationId: 'c1', apiKey: { upstreamId: key.id, remainQuota: 750_000, status: 'EXHAUSTED' } });
    expect(h.emulator.apiKeys('demo').find((k) => k.id === key.id)!.remain_quota).toBe(750_000);
    expect(h.calls()).toEqual({ [`PUT /yescale/editquota/${key.id}`]: 1, '/yescale/apikeylist': 1 });
  });

  it('takes USD, converted to Math.round(usd * 500000) credits, and a global ID', async () => {
    const key = keyOf('demo', 1);
    const { data } = await h.gql(`{ apiKey(id: "${key.id}") { id } }`);
    const res = await h.gql(UPDATE, { input: { id: data.apiKey.id, remainQuotaUsd: 1.2345671 } });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateApiKeyQuota.apiKey.remainQuota).toBe(617_284);
    expect(keyOf('demo', 1).remain_quota).toBe(617_284);
  });

  it('refuses bad input with BAD_USER_INPUT before any upstream call', async () => {
    const id = String(keyOf('demo', 0).id);
    const bad = [
      { id },
      { id, remainQuota: 1, remainQuotaUsd: 1 },
      { id, remainQuota: -1 },
      { id, remainQuotaUsd: -0.01 },
      { id, remainQuotaUsd: 1e300 },
      { id, remainQuota: '9007199254740992' },
      { id: 'not-an-id', remainQuota: 1 },
    ];
    for (const input of bad) {
      const res = await h.gql(UPDATE, { input });
      expect(res.errors?.[0].extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
    }
    const del = await h.gql(DELETE, { input: { id: 'nope' } });
    expect(del.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(total(h.calls())).toBe(0);
  });
});

describe('deleteApiKey', () => {
  it('deletes upstream once; the key leaves apiKeys', async () => {
    const key = keyOf('demo', 3);
    const res = await h.gql(DELETE, { input: { id: String(key.id), clientMutationId: 'x' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.deleteApiKey.clientMutationId).toBe('x');
    expect(Buffer.from(res.data.deleteApiKey.deletedApiKeyId, 'base64').toString()).toBe(`ApiKey:${key.id}`);
    expect(h.emulator.apiKeys('demo').some((k) => k.id === key.id)).toBe(false);
    expect(writes()).toEqual([[`DELETE /yescale/deletekey/${key.id}`, 1]]);
    const after = await h.gql(`{ apiKeys { upstreamId } }`);
    expect(after.data.apiKeys.map((k: { upstreamId: number }) => k.upstreamId)).not.toContain(key.id);
  });

  it('a 502 on the DELETE is sent exactly once and answered with a coded error', async () => {
    const key = keyOf('demo', 4);
    h.emulator.setFault({ mode: 'http502' });
    const res = await h.gql(DELETE, { input: { id: String(key.id) } });
    expect(res.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(h.calls()).toEqual({ [`DELETE /yescale/deletekey/${key.id}`]: 1 });
  });

  it('two concurrent deletes of one key: one success, one NOT_FOUND, never merged', async () => {
    const key = keyOf('demo', 5);
    const both = await Promise.all([1, 2].map(() => h.gql(DELETE, { input: { id: String(key.id) } })));
    expect(both.filter((r) => r.data?.deleteApiKey).length).toBe(1);
    expect(both.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(h.calls()[`DELETE /yescale/deletekey/${key.id}`]).toBe(2);
  });
});

describe('tenancy', () => {
  it("A cannot change or delete B's key: NOT_FOUND, and B's key is unchanged", async () => {
    const theirs = keyOf('admin', 0);
    const demo = userOf('demo').accessKey;
    const upd = await h.gql(UPDATE, { input: { id: String(theirs.id), remainQuota: 1 } }, demo);
    expect(upd.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const del = await h.gql(DELETE, { input: { id: String(theirs.id) } }, demo);
    expect(del.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(keyOf('admin', 0)).toEqual(theirs);
  });
});

describe('transport', () => {
  it('refuses a mutation over GET and sends nothing upstream', async () => {
    const key = keyOf('demo', 0);
    const url = `${h.server.url}/graphql?query=${encodeURIComponent(`mutation { deleteApiKey(input: { id: "${key.id}" }) { deletedApiKeyId } }`)}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${userOf('demo').accessKey}`, 'x-graphql-yoga-csrf': '1', accept: 'application/json' } });
    expect(res.status).toBe(405);
    expect(total(h.calls())).toBe(0);
    expect(h.emulator.apiKeys('demo').some((k) => k.id === key.id)).toBe(true);
  });
});

describe('response cache', () => {
  let c: Harness;
  beforeAll(async () => {
    c = await startHarness({ cache: {} }, { logsPerUser: 300 });
  });
  afterAll(() => c.close());

  const gql = async (query: string, variables: Record<string, unknown> | undefined, key: string) => {
    const res = await fetch(`${c.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { body: (await res.json()) as any, cache: res.headers.get('x-response-cache') };
  };

  it("a mutation drops its caller's cached answers and no one else's", async () => {
    const demo = c.emulator.users[0].accessKey;
    const admin = c.emulator.users[1].accessKey;
    const keys = `{ apiKeys { upstreamId remainQuota } }`;
    const me = `{ me { username } }`;
    for (const key of [demo, admin]) {
      expect((await gql(keys, undefined, key)).cache).toBe('miss');
      expect((await gql(keys, undefined, key)).cache).toBe('hit');
    }
    expect((await gql(me, undefined, demo)).cache).toBe('miss');
    const target = c.emulator.apiKeys('demo')[0];
    const res = await gql(UPDATE, { input: { id: String(target.id), remainQuota: 42 } }, demo);
    expect(res.body.errors).toBeUndefined();
    const after = await gql(keys, undefined, demo);
    expect(after.cache).toBe('miss');
    expect(after.body.data.apiKeys.find((k: { upstreamId: number }) => k.upstreamId === target.id).remainQuota).toBe(42);
    expect((await gql(me, undefined, demo)).cache).toBe('miss');
    expect((await gql(keys, undefined, admin)).cache).toBe('hit');
  });
});

describe('read-only mode', () => {
  it('serves and prints a schema without Mutation; a mutation is refused before any call', async () => {
    const ro = await startHarness({ readOnly: true }, { logsPerUser: 50 });
    try {
      const key = ro.emulator.apiKeys('demo')[0];
      const res = await ro.gql(DELETE, { input: { id: String(key.id) } });
      expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const types = await ro.gql(`{ __schema { mutationType { name } types { name } } }`);
      expect(types.data.__schema.mutationType).toBeNull();
      expect(types.data.__schema.types.map((t: { name: string }) => t.name)).not.toContain('DeleteApiKeyPayload');
      expect(total(ro.calls())).toBe(0);
      expect(ro.emulator.apiKeys('demo')[0]).toEqual(key);
    } finally {
      await ro.close();
    }
    const { printPublicSchema } = await import('../src/schema/index.js');
    expect(printPublicSchema()).toContain('type Mutation');
    expect(printPublicSchema(true)).not.toMatch(/type Mutation|UpdateApiKeyQuotaInput/);
    expect(printPublicSchema(true)).toContain('type Query');
  });
});

describe('audit', () => {
  it('one log line and one metric per key write, with the credential hashed, never sent', async () => {
    const raw: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => raw.push(line) } });
    const a = await startHarness({ logger }, { logsPerUser: 50 });
    try {
      const secret = a.emulator.demoAccessKey;
      const key = a.emulator.apiKeys('demo')[1];
      expect((await a.gql(UPDATE, { input: { id: String(key.id), remainQuota: 7 } })).errors).toBeUndefined();
      expect((await a.gql(DELETE, { input: { id: '999999' } })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const audit = raw.map((line) => JSON.parse(line)).filter((line) => line.component === 'audit');
      expect(audit.map((l) => [l.mutation, l.keyId, l.outcome, l.upstreamStatus])).toEqual([
        ['updateApiKeyQuota', String(key.id), 'ok', 200],
        ['deleteApiKey', '999999', 'NOT_FOUND', 200],
      ]);
      expect(audit.every((l) => typeof l.caller === 'string' && l.caller.length > 0)).toBe(true);
      expect(raw.join('\n')).not.toContain(secret);
      const metrics = await (await fetch(`${a.server.url}/metrics`)).text();
      expect(metrics).toContain('graphql_key_mutations_total{mutation="updateApiKeyQuota",outcome="ok"} 1');
      expect(metrics).toContain('graphql_key_mutations_total{mutation="deleteApiKey",outcome="NOT_FOUND"} 1');
      expect(metrics).toContain('endpoint="/yescale/deletekey/{id}"');
      expect(metrics).not.toContain('/yescale/deletekey/999999');
    } finally {
      await a.close();
    }
  });
});
