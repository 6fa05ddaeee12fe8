/** Upstream failures become coded GraphQL errors with the rest of the response intact; bad input is refused before any call. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultMode } from '../src/emulator/index.js';
import { startHarness, total, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ requestTimeoutMs: 1_500, http: { maxBodyBytes: 300_000 } });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const codes = (res: { errors?: { extensions?: Record<string, any> }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);

describe('upstream failures', () => {
  const cases: [FaultMode, string][] = [
    ['http429', 'RATE_LIMITED'],
    ['http500', 'UPSTREAM_UNAVAILABLE'],
    ['http502', 'UPSTREAM_UNAVAILABLE'],
    ['http503', 'UPSTREAM_UNAVAILABLE'],
    ['reset', 'UPSTREAM_UNAVAILABLE'],
    ['hang', 'UPSTREAM_UNAVAILABLE'],
    ['nonJson', 'UPSTREAM_BAD_RESPONSE'],
    ['wrongShape', 'UPSTREAM_BAD_RESPONSE'],
    ['invalidToken', 'UNAUTHENTICATED'],
  ];
  it.each(cases)('%s on /yescale/logs gives %s on logs only; me and apiKeys still resolve', async (mode, code) => {
    h.emulator.setFault({ mode, path: '/yescale/logs' });
    const res = await h.gql(`{ me { username } apiKeys { name } logs(first: 3) { totalCount } }`);
    expect(codes(res)).toEqual([code]);
    expect(res.errors![0].path).toEqual(['logs']);
    expect(res.errors![0].extensions!.upstreamPath).toBe('/yescale/logs');
    expect(res.data.me.username).toBe('demo');
    expect(res.data.apiKeys.length).toBeGreaterThan(0);
    expect(res.data.logs).toBeNull();
  });

  it('a truncated body is an upstream failure, not a crash', async () => {
    h.emulator.setFault({ mode: 'truncated', path: '/yescale/user' });
    const res = await h.gql(`{ me { username } }`);
    expect(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE']).toContain(codes(res)[0]);
    expect(res.data.me).toBeNull();
  });

  it('a body over the size cap is refused as UPSTREAM_BAD_RESPONSE', async () => {
    const res = await h.gql(`{ logs(first: 1000) { totalCount } }`);
    expect(codes(res)).toEqual(['UPSTREAM_BAD_RESPONSE']);
    expect(res.errors![0].message).toMatch(/exceeded 300000 bytes/);
  });

  it('a usage page over the size cap is refused the same way', async () => {
    const res = await h.gql(`{ usage(filter: {}, groupBy: [DAY]) { totals { requests } } }`);
    expect(codes(res)).toEqual(['UPSTREAM_BAD_RESPONSE']);
    expect(res.errors![0].message).toMatch(/exceeded 300000 bytes/);
  });

  it('the gateway keeps answering after every fault', async () => {
    const res = await h.gql(`{ me { username } }`);
    expect(res).toEqual({ data: { me: { username: 'demo' } } });
  });
});

describe('credentials', () => {
  it('no credential: UNAUTHENTICATED on every field, without an upstream call', async () => {
    const res = await h.gql(`{ me { username } apiKeys { name } logs { totalCount } }`, undefined, null);
    expect(codes(res)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(res.errors![0].message).toMatch(/Authorization: Bearer/);
    expect(res.data).toEqual({ me: null, apiKeys: null, logs: null });
    expect(total(h.calls())).toBe(0);
  });

  it('an unknown access key: UNAUTHENTICATED, and the key appears nowhere in the response', async () => {
    const secret = 'NotARealKey+abc/def123456789==';
    const res = await h.gql(`{ me { username } }`, undefined, secret);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(res)).not.toContain(secret);
    expect(JSON.stringify(res)).not.toContain(secret.slice(0, 12));
  });

  it('a server-side key serves callers that send none; a caller\'s own key wins', async () => {
    const other = h.emulator.users[1];
    const server = await startHarness({ accessKey: other.accessKey }, { logsPerUser: 100 });
    try {
      expect((await server.gql(`{ me { username } }`, undefined, null)).data.me.username).toBe(other.username);
      expect((await server.gql(`{ me { username } }`)).data.me.username).toBe('demo');
    } finally {
      await server.close();
    }
  });

  it('two users at once never see each other\'s data', async () => {
    const [a, b] = h.emulator.users;
    const query = `{ me { username } apiKeys { upstreamId name } logs(first: 50) { edges { node { username tokenName } } } tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }) { taskId } }`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => h.gql(query, undefined, (i % 2 ? b : a).accessKey)));
    results.forEach((res, i) => {
      const user = i % 2 ? b : a;
      expect(res.errors).toBeUndefined();
      expect(res.data.me.username).toBe(user.username);
      expect(res.data.apiKeys.map((k: any) => k.upstreamId).sort()).toEqual(h.emulator.apiKeys(user.username).map((k) => k.id).sort());
      expect(res.data.logs.edges.every((e: any) => e.node.username === user.username)).toBe(true);
      expect(res.data.tasks.map((t: any) => t.taskId).sort()).toEqual(h.emulator.tasks(user.username).map((t) => t.task_id).sort());
    });
  });
});

describe('bad input is refused before any upstream call', () => {
  const bad: [string, string, Record<string, unknown>, string][] = [
    ['from after to (logs)', `query($f: LogFilter) { logs(filter: $f) { totalCount } }`, { f: { from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' } }, 'filter.from'],
    ['from after to (tasks)', `{ tasks(filter: { from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }) { id } }`, {}, 'filter.from'],
    ['first over the cap', `{ logs(first: 100000) { totalCount } }`, {}, 'first'],
    ['negative first', `{ logs(first: -1) { totalCount } }`, {}, 'first'],
    ['a cursor we did not issue', `{ logs(after: "bm9wZQ") { totalCount } }`, {}, 'after'],
    ['type UNKNOWN', `{ logs(filter: { type: UNKNOWN }) { totalCount } }`, {}, 'filter.type'],
    ['an over-long model name', `query($m: String) { logs(filter: { modelName: $m }) { totalCount } }`, { m: 'x'.repeat(300) }, 'filter.modelName'],
    ['an over-long keyword', `query($k: String) { apiKeys(filter: { keyword: $k }) { id } }`, { k: 'k'.repeat(300) }, 'filter.keyword'],
    ['a year out of range', `{ logs(filter: { from: "1969-01-01T00:00:00Z" }) { totalCount } }`, {}, 'filter.from'],
    ['an ApiKey id of another type', `{ apiKey(id: "VXNlcjpkZW1v") { id } }`, {}, 'id'],
  ];
  it.each(bad)('%s: BAD_USER_INPUT naming the argument', async (_name, query, variables, argument) => {
    const res = await h.gql(query, variables);
    expect(codes(res)).toContain('BAD_USER_INPUT');
    expect(res.errors!.find((e) => e.extensions?.code === 'BAD_USER_INPUT')!.message).toContain(`\`${argument}\``);
    expect(total(h.calls())).toBe(0);
  });

  it('a bad argument on a nested field is refused before that field\'s own call', async () => {
    const res = await h.gql(`{ apiKeys { logs(filter: { tokenName: "x" }) { id } } }`);
    expect(codes(res)).toContain('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('`filter.tokenName`');
    expect(h.calls()).toEqual({ '/yescale/apikeylist': 1 });
  });

  it.each([
    ['a malformed DateTime', `{ logs(filter: { from: "yesterday" }) { totalCount } }`, /DateTime/],
    ['an unknown enum value', `{ logs(filter: { type: SPEND }) { totalCount } }`, /SPEND/],
    ['a missing required filter', `{ tasks { id } }`, /filter/],
    ['an unknown field', `{ me { password } }`, /password/],
  ])('%s: a validation error naming it', async (_name, query, pattern) => {
    const res = await h.gql(query);
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0].message).toMatch(pattern);
    expect(total(h.calls())).toBe(0);
  });
});
