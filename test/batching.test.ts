/** DataLoader at work: upstream call counts per GraphQL request, read from the emulator's counters. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, total, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe('one request never makes the same upstream call twice', () => {
  it('dedupes aliases, fragments and nesting', async () => {
    const res = await h.gql(`
      fragment K on ApiKey { name status }
      query {
        a: me { username quota }
        b: me { usedQuota ...U }
        keys1: apiKeys { ...K }
        keys2: apiKeys { name }
        me { apiKeys { ...K } logs(first: 5) { totalCount } }
        l1: logs(first: 5) { edges { node { modelName } } }
        l2: logs(first: 5) { totalCount }
      }
      fragment U on User { requestCount apiKeys { upstreamId } }
    `);
    expect(res.errors).toBeUndefined();
    expect(h.calls()).toEqual({ '/yescale/user': 1, '/yescale/apikeylist': 1, '/yescale/logs': 1 });
  });

  it('LogEntry.apiKey over 200 entries costs one /yescale/apikeylist call', async () => {
    const res = await h.gql(`{ logs(first: 200) { edges { node { tokenName apiKey { name status } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.logs.edges).toHaveLength(200);
    const withKey = res.data.logs.edges.filter((e: any) => e.node.tokenName !== '');
    expect(withKey.length).toBeGreaterThan(150);
    expect(withKey.every((e: any) => e.node.apiKey?.name === e.node.tokenName)).toBe(true);
    expect(h.calls()).toEqual({ '/yescale/logs': 1, '/yescale/apikeylist': 1 });
  });

  const lastDays = (days: number) => new Date((h.emulator.log('demo', 0).created_at - days * 86_400) * 1000).toISOString();

  it('ApiKey.logs over every key with one filter costs one /yescale/logs call, split by key name', async () => {
    const res = await h.gql(`query($from: DateTime) { apiKeys(filter: { keyword: "-" }) { name logs(first: 2, filter: { from: $from }) { tokenName } } }`, { from: lastDays(3) });
    expect(res.errors).toBeUndefined();
    const keys = res.data.apiKeys;
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) for (const log of key.logs) expect(log.tokenName).toBe(key.name);
    expect(h.calls()).toEqual({ '/yescale/apikeylist': 1, '/yescale/logs': 1 });
    expect(h.emulator.stats().requests.find((r) => r.path === '/yescale/logs')!.query.token_name).toBeUndefined();
  });

  it('ApiKey.logs with different arguments per alias costs one call per distinct argument set', async () => {
    const res = await h.gql(
      `query($from: DateTime) { apiKeys { a: logs(first: 1, filter: { from: $from }) { tokenName } b: logs(first: 1, filter: { from: $from, type: CONSUME }) { tokenName } c: logs(first: 1, filter: { from: $from }) { createdAt } } }`,
      { from: lastDays(2) },
    );
    expect(res.errors).toBeUndefined();
    expect(h.calls()['/yescale/logs']).toBe(2);
  });

  it('node lookups of many ApiKeys cost one call; of many Tasks one call over their window', async () => {
    const ids = await h.gql(`{ apiKeys { id } tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }) { id } }`);
    h.reset();
    const keyIds: string[] = ids.data.apiKeys.map((k: any) => k.id);
    const taskIds: string[] = ids.data.tasks.slice(0, 6).map((t: any) => t.id);
    const selections = [
      ...keyIds.map((id, i) => `k${i}: node(id: "${id}") { id }`),
      ...taskIds.map((id, i) => `t${i}: node(id: "${id}") { id }`),
    ];
    const res = await h.gql(`{ ${selections.join('\n')} }`);
    expect(res.errors).toBeUndefined();
    expect(keyIds.every((id, i) => res.data[`k${i}`].id === id)).toBe(true);
    expect(taskIds.every((id, i) => res.data[`t${i}`].id === id)).toBe(true);
    expect(h.calls()).toEqual({ '/yescale/apikeylist': 1, '/yescale/task': 1 });
  });

  it('independent upstream calls of one request run concurrently', async () => {
    h.emulator.setFault({ mode: 'latency', latencyMs: 300 });
    const res = await h.gql(`{ me { username } apiKeys { name } logs(first: 2) { totalCount } tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }) { id } }`);
    expect(res.errors).toBeUndefined();
    expect(total(h.calls())).toBe(4);
    expect(h.emulator.stats().maxInFlight).toBe(4);
  });

  it('a request with many upstream calls in flight does not trip Node\'s listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const fields = Array.from({ length: 14 }, (_, i) => `l${i}: logs(first: 1, filter: { from: "2020-01-${String(i + 1).padStart(2, '0')}T00:00:00Z" }) { totalCount }`);
      const res = await h.gql(`{ ${fields.join('\n')} }`);
      expect(res.errors).toBeUndefined();
      expect(h.calls()['/yescale/logs']).toBe(14);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('loaders live for one request: the same query twice makes the calls twice', async () => {
    await h.gql(`{ me { username } }`);
    await h.gql(`{ me { username } }`);
    expect(h.calls()).toEqual({ '/yescale/user': 2 });
  });

  it('a logs page beyond one upstream page is fetched as the pages that cover it, concurrently', async () => {
    const first = await h.gql(`{ logs(first: 10) { pageInfo { endCursor } } }`);
    h.reset();
    // offset 10 with first 15: pages of 15 -> page 1 (0-14) and page 2 (15-29)
    const res = await h.gql(`query($a: String) { logs(first: 15, after: $a) { edges { node { createdAt } } } }`, { a: first.data.logs.pageInfo.endCursor });
    expect(res.data.logs.edges).toHaveLength(15);
    expect(total(h.calls())).toBe(2);
  });
});
