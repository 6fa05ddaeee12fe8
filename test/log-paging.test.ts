/**
 * Walking the log history: long `first` over several upstream pages fetched concurrently,
 * clamped pages, and cursors and scans that neither skip nor repeat an entry while new logs
 * arrive, even within the anchor second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLogs } from '../src/queries/log-scan.js';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp } from '../src/upstream/http.js';
import { fromLatin1 } from '../src/upstream/json.js';
import type { WireLog } from '../src/upstream/wire.js';
import { listLogsRaw } from '../src/upstream/yescale.js';
import { toCredential } from '../src/upstream/credential.js';
import { startHarness, type Harness } from './helpers.js';

const NOW = Date.UTC(2025, 10, 20, 12) / 1000;
const iso = (unix: number) => new Date(unix * 1000).toISOString();
/** What identifies an entry (the upstream's ids are not stable): every field but `id`. */
const identity = (l: Partial<WireLog>) => JSON.stringify({ ...l, id: undefined });
const NODE = 'createdAt quota modelName tokenName promptTokens completionTokens requestId';
const nodeOf = (l: WireLog) => ({
  createdAt: iso(l.created_at),
  quota: l.quota,
  modelName: l.model_name,
  tokenName: l.token_name,
  promptTokens: l.prompt_tokens,
  completionTokens: l.completion_tokens,
  requestId: l.request_id ?? null,
});
const snapshot = (h: Harness, n = h.emulator.logCount('demo')) => Array.from({ length: n }, (_, i) => h.emulator.log('demo', i));

describe('a long first', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logPageConcurrency: 2 }, { logsPerUser: 25_000, now: NOW });
  });
  afterAll(() => h.close());

  it('walks 25,000 entries as 10,000-entry upstream pages, the later ones concurrently', async () => {
    h.reset();
    h.emulator.setFault({ mode: 'latency', latencyMs: 20, path: '/yescale/logs' });
    const res = await h.gql(`{ logs(first: 25000) { totalCount edges { node { createdAt quota } } pageInfo { hasNextPage } } }`);
    expect(res.errors).toBeUndefined();
    const want = snapshot(h, 25_000);
    expect(res.data.logs.edges.map((e: any) => e.node)).toEqual(want.map((l) => ({ createdAt: iso(l.created_at), quota: l.quota })));
    expect(res.data.logs.pageInfo.hasNextPage).toBe(false);
    const pages = h.emulator.stats().requests.map((r) => `${r.query.p}x${r.query.page_size}`);
    expect(pages[0]).toBe('1x10000');
    expect(pages.slice(1).sort()).toEqual(['2x10000', '3x10000']);
    expect(h.emulator.stats().maxInFlight).toBe(2);
  });

  it('stops at the total instead of asking for pages past the end', async () => {
    h.reset();
    const res = await h.gql(`query($f: LogFilter) { logs(filter: $f, first: 30000) { totalCount edges { cursor } } }`, { f: { type: 'TOPUP' } });
    const total = snapshot(h).filter((l) => l.type === 1).length;
    expect(res.data.logs.totalCount).toBe(total);
    expect(res.data.logs.edges).toHaveLength(total);
    expect(h.calls()).toEqual({ '/yescale/logs': 1 });
  });

  it('refuses a first over the documented maximum before any upstream call', async () => {
    h.reset();
    const res = await h.gql(`{ logs(first: 50001) { totalCount } }`);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    expect(h.calls()).toEqual({});
  });
});

describe('an upstream that clamps page_size', () => {
  it('a range past the first page is read in pages of the size the upstream served', async () => {
    const h = await startHarness({ logPageConcurrency: 3 }, { logsPerUser: 1_000, now: NOW, maxPageSize: 100 });
    try {
      const a = await h.gql(`{ logs(first: 30) { edges { cursor } } }`);
      h.reset();
      const res = await h.gql(`query($after: String) { logs(first: 450, after: $after) { edges { node { ${NODE} } } } }`, { after: a.data.logs.edges[29].cursor });
      expect(res.data.logs.edges.map((e: any) => e.node)).toEqual(snapshot(h).slice(30, 480).map(nodeOf));
      // the probe at the asked size, then entries 30..479 in pages 1..5 of 100
      const asked = h.emulator.stats().requests.map((r) => `${r.query.p}x${r.query.page_size}`);
      expect(asked[0]).toBe('1x450');
      expect(asked.slice(1).sort()).toEqual(['1x100', '2x100', '3x100', '4x100', '5x100']);
    } finally {
      await h.close();
    }
  });
});

describe('while new logs arrive', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { logsPerUser: 2_000, now: NOW });
  });
  afterAll(() => h.close());

  const page = `query($after: String, $filter: LogFilter) { logs(first: 7, after: $after, filter: $filter) { totalCount edges { node { ${NODE} } } pageInfo { endCursor hasNextPage } } }`;

  it.each([
    ['in the anchor second itself', () => undefined],
    ['later', () => h.emulator.log('demo', 0).created_at + 30],
  ])('cursors neither skip nor repeat an entry when logs arrive %s', async (_name, at) => {
    const before = snapshot(h).slice(0, 40).map(nodeOf);
    const total = h.emulator.logCount('demo');
    const seen: unknown[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res: any = await h.gql(page, { after });
      expect(res.errors).toBeUndefined();
      expect(res.data.logs.totalCount).toBe(total);
      seen.push(...res.data.logs.edges.map((e: any) => e.node));
      after = res.data.logs.pageInfo.endCursor;
      h.emulator.appendLogs('demo', 3, at());
    }
    expect(seen).toEqual(before.slice(0, 35));
  });

  it('a filtered walk stays exact too', async () => {
    const before = snapshot(h).filter((l) => l.type === 2).slice(0, 21).map(nodeOf);
    const seen: unknown[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res: any = await h.gql(page, { after, filter: { type: 'CONSUME' } });
      seen.push(...res.data.logs.edges.map((e: any) => e.node));
      after = res.data.logs.pageInfo.endCursor;
      h.emulator.appendLogs('demo', 4);
    }
    expect(seen).toEqual(before);
  });
});

describe('a usage walk while new logs arrive', () => {
  let h: Harness;
  let http: UpstreamHttp;
  beforeAll(async () => {
    h = await startHarness({}, { logsPerUser: 1_500, now: NOW, maxPageSize: 100 });
    http = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: h.upstreamUrl });
  });
  afterAll(async () => {
    await http.close();
    await h.close();
  });

  /** Every entry the walk visits, with logs appended after each upstream page. */
  async function walkWhileAppending(at: () => number | undefined): Promise<string[]> {
    const caller = { credential: toCredential(h.emulator.demoAccessKey), upstreamCalls: 0 };
    const visited: string[] = [];
    await scanLogs(
      async (query) => {
        const page = await listLogsRaw(http, caller, query);
        h.emulator.appendLogs('demo', 5, at());
        return page;
      },
      {},
      { pageRows: 10_000, concurrency: 3 },
      // The lean reader's strings are latin1 readings of UTF-8: back to real text to compare.
      (items) => visited.push(...items.map((raw) => fromLatin1(identity(raw as Partial<WireLog>)))),
    );
    return visited;
  }

  it('visits exactly the entries there were when it started, when logs arrive in the anchor second', async () => {
    const before = snapshot(h).map(identity);
    const visited = await walkWhileAppending(() => undefined);
    expect(visited.sort()).toEqual(before.sort());
  });

  it('and when the newest second alone fills the first page', async () => {
    const second = h.emulator.log('demo', 0).created_at + 60;
    h.emulator.appendLogs('demo', 250, second);
    const before = snapshot(h).map(identity);
    const visited = await walkWhileAppending(() => second + 5);
    expect(visited.sort()).toEqual(before.sort());
  });
});
