/**
 * LogFilter.modelName is an exact name on either upstream LIKE dialect (src/emulator/log-query.ts):
 * sent as given, compared exactly by the gateway, with paging and totalCount of the exact matches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LikeDialect } from '../src/emulator/index.js';
import { startHarness, total, type Harness } from './helpers.js';

const NOW = 1_780_000_000;
const LIST = `query($m: String, $after: String) {
  logs(filter: { modelName: $m }, first: 3, after: $after) {
    totalCount edges { node { modelName } } pageInfo { hasNextPage endCursor }
  }
}`;
const KEY_LOGS = `query($m: String) { apiKeys { name logs(filter: { modelName: $m }, first: 10) { modelName } } }`;
const USAGE = `query($m: String) { usage(filter: { modelName: $m }, groupBy: []) { totals { requests } } }`;

describe.each<[LikeDialect, number]>([
  ['escaped', 5],
  ['raw', 7], // raw LIKE 'mj_imagine' also matches mjXimagine
])('modelName on a %s-LIKE upstream', (likeDialect, upstreamTotal) => {
  let h: Harness;
  beforeAll(async () => {
    // page_size clamped to 2: the gateway's walk over the matches spans several upstream pages
    h = await startHarness({}, { logsPerUser: 300, now: NOW, likeDialect, maxPageSize: 2 });
    const demo = h.emulator.users[0].username;
    h.emulator.appendModelLogs(demo, 'mj_imagine', 3, NOW + 10);
    h.emulator.appendModelLogs(demo, 'mjXimagine', 2, NOW + 20);
    h.emulator.appendModelLogs(demo, 'mj_imagine', 2, NOW + 30);
  });
  afterAll(() => h.close());

  it(`the upstream itself counts ${upstreamTotal} for model_name=mj_imagine`, async () => {
    const res = await fetch(`${h.upstreamUrl}/yescale/logs?model_name=mj_imagine`, { headers: { authorization: `Bearer ${h.emulator.demoAccessKey}` } });
    expect((await res.json()).data.total).toBe(upstreamTotal);
  });

  it('pages only the exact matches, with their totalCount', async () => {
    const first = await h.gql(LIST, { m: 'mj_imagine' });
    expect(first.errors).toBeUndefined();
    const page1 = first.data.logs;
    expect(page1.totalCount).toBe(5);
    expect(page1.edges.map((e: any) => e.node.modelName)).toEqual(['mj_imagine', 'mj_imagine', 'mj_imagine']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = (await h.gql(LIST, { m: 'mj_imagine', after: page1.pageInfo.endCursor })).data.logs;
    expect(second.totalCount).toBe(5);
    expect(second.edges.map((e: any) => e.node.modelName)).toEqual(['mj_imagine', 'mj_imagine']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const near = (await h.gql(LIST, { m: 'mjXimagine' })).data.logs;
    expect(near.totalCount).toBe(2);
    expect(near.edges.map((e: any) => e.node.modelName)).toEqual(['mjXimagine', 'mjXimagine']);
  });

  it('ApiKey.logs and usage count only the exact name', async () => {
    const keys = (await h.gql(KEY_LOGS, { m: 'mj_imagine' })).data.apiKeys;
    const names = keys.flatMap((k: any) => (k.logs ?? []).map((l: any) => l.modelName));
    expect(names).toEqual(Array(5).fill('mj_imagine'));
    const usage = await h.gql(USAGE, { m: 'mj_imagine' });
    expect(usage.errors).toBeUndefined();
    expect(usage.data.usage.totals.requests).toBe(5);
  });

  it('the CSV export keeps only the exact name', async () => {
    const res = await fetch(`${h.server.url}/export/logs.csv?modelName=mj_imagine`, { headers: { authorization: `Bearer ${h.emulator.demoAccessKey}` } });
    expect(res.status).toBe(200);
    const [, ...rows] = (await res.text()).trim().split('\r\n');
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toContain(',mj_imagine,');
  });

  it('refuses `%` in modelName before any upstream call', async () => {
    h.reset();
    const res = await h.gql(LIST, { m: 'mj%' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/filter\.modelName/);
    expect(total(h.calls())).toBe(0);
  });
});
