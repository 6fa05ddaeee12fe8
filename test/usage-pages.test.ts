/**
 * The pages of a usage scan (src/usage/): the byte scanner against JSON.parse (the reference) on
 * the emulator's pages and on hand-made ones with every escape; pages it must not read itself
 * give the errors the upstream client gives; the worker threads: a dead thread is a coded error,
 * the next page works, nothing is left after dispose.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../src/upstream/errors.js';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp } from '../src/upstream/http.js';
import { toCredential } from '../src/upstream/credential.js';
import { listLogsRaw } from '../src/upstream/yescale.js';
import { UsageAggregator, type AggregatorOptions } from '../src/usage/aggregate.js';
import { aggregatePage, parsePage, type PageTask } from '../src/usage/page.js';
import { scanLogPage } from '../src/usage/page-scan.js';
import { PagePool } from '../src/usage/page-pool.js';
import type { WireLog } from '../src/upstream/wire.js';
import { startHarness, type Harness, allLogs } from './helpers.js';

const NOW = Date.UTC(2025, 10, 20, 12) / 1000;
const AGGREGATORS: AggregatorOptions[] = [
  { groupBy: ['DAY', 'MODEL'], timeZone: 'UTC', maxGroups: 100_000 },
  { groupBy: ['API_KEY', 'HOUR', 'LOG_TYPE'], timeZone: 'America/New_York', maxGroups: 100_000 },
  { groupBy: [], timeZone: 'UTC', tokenName: 'café', maxGroups: 100_000 },
  { groupBy: ['MODEL'], timeZone: 'UTC', modelName: 'gpt-4o', maxGroups: 100_000 },
];

const task = (body: string | Buffer, skip = 0): PageTask => ({
  path: '/yescale/logs',
  status: 200,
  bytes: new Uint8Array(typeof body === 'string' ? Buffer.from(body, 'utf8') : body),
  skip,
  aggregators: AGGREGATORS,
});

/** The page read by the scanner, which must read it itself, equals the page read by JSON.parse. */
function expectScannedAsParsed(body: string, skip = 0) {
  const scanned = scanLogPage(task(body).bytes, skip, AGGREGATORS.map((options) => new UsageAggregator({ ...options, maxGroups: Infinity })));
  expect(scanned, 'the scanner read the page itself').not.toBeNull();
  const page = aggregatePage(task(body, skip));
  expect(page).toEqual(parsePage(task(body, skip)));
  return page;
}

const envelope = (items: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ success: true, message: '', data: { items, total: items.length + 5, page: 1, page_size: 10_000, ...extra } });

/** An entry as the emulator writes it, for the tables (built before the emulator starts). */
const SAMPLE = {
  id: 320, user_id: 1042, created_at: 1763640000, type: 2, content: '模型倍率 1.25，补全倍率 4.00', username: 'demo', token_name: 'default',
  model_name: 'gpt-4o', quota: 9989, prompt_tokens: 6344, completion_tokens: 717, use_time: 10, is_stream: false, channel: 3, channel_name: '',
  token_id: 1, group: 'openai', ip: '', request_id: '20251120120000073590313t7B18UYK',
  other: '{"model_ratio":1.25,"group_ratio":1,"completion_ratio":4,"cache_tokens":2441,"cache_ratio":0.5,"model_price":-1}',
};

let h: Harness;
let logs: WireLog[];
beforeAll(async () => {
  h = await startHarness({}, { logsPerUser: 3_000, now: NOW, era: 'latest' });
  logs = allLogs(h.emulator);
});
afterAll(() => h.close());

describe('the byte scanner reads a page as JSON.parse does', () => {
  it("reads the emulator's pages: every dimension, a key filter, a model filter, a skip", () => {
    const page = expectScannedAsParsed(envelope(logs.slice(0, 2_000)));
    expect(page.count).toBe(2_000);
    expect(page.parts[0].totals.requests).toBe(2_000);
    expect(page.parts[0].totals.firstResponseCount).toBeGreaterThan(0);
    expect(page.parts[0].totals.cacheTokens).toBeGreaterThan(0);
    expect(expectScannedAsParsed(envelope(logs.slice(0, 2_000)), 37).parts[0].totals.requests).toBe(1_963);
    // data as a plain list: no total, no page size
    expect(expectScannedAsParsed(JSON.stringify({ success: true, data: logs.slice(0, 50) }))).toMatchObject({ total: null, pageSize: null, count: 50 });
    // pretty-printed, keys in another order, no success
    expectScannedAsParsed(JSON.stringify({ data: { page_size: 10, items: logs.slice(0, 20), total: 99 }, message: 'ok' }, null, 2));
  });

  it('decodes every escape in names and other, and reads numbers in every JSON form', () => {
    const entry = (fields: Record<string, unknown>) => ({ ...logs[0], ...fields });
    const items = [
      entry({ token_name: 'café', model_name: '模型 "quoted" \\ back/slash' }),
      entry({ token_name: 'caf\u00e9', model_name: 'tab\there\nnew line \u0001 \u2028 😀' }),
      entry({ token_name: 12, model_name: null, quota: '120', prompt_tokens: ' 7 ', completion_tokens: true, type: '2' }),
      entry({ quota: 1e21, prompt_tokens: -0, completion_tokens: 1.5e3, created_at: 1763640000.5, type: 2.0 }),
      entry({ quota: 123456789012345678, prompt_tokens: 0.1, completion_tokens: -12 }),
      entry({ other: '{"frt": 812.5,"cache_tokens" :3, "x":"\\"frt\\":9"}' }),
      entry({ other: '{"a":"\\"cache_tokens\\":77","frt":-1e2}' }),
      entry({ other: null }),
      entry({ other: 5 }),
      entry({ other: '' }),
      entry({ other: '{"frt":"12"}' }),
      entry({ other: '{"cache_tokens":12345678901234567890}' }),
      entry({ content: { nested: [1, { deep: [true, false, null, 'x'] }], empty: {}, list: [] } }),
      { created_at: 1, type: 2 },
      {},
    ];
    // escapes the way another encoder would write them: \u for everything non-ASCII, \/ for slashes
    const escaped = envelope(items).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replaceAll('/', '\\/');
    expectScannedAsParsed(envelope(items));
    expectScannedAsParsed(escaped);
    // keys written with escapes are still the fields they name
    expectScannedAsParsed(envelope(items).replaceAll('"token_name"', '"token\\u005fname"').replaceAll('"other"', '"oth\\u0065r"'));
  });

  it('keeps the raw UTF-8 name readings of the JSON.parse path (names turned into text once per group)', () => {
    const page = expectScannedAsParsed(envelope([{ ...logs[0], token_name: 'café', model_name: 'gpt-4o' }]));
    const keyGroup = page.parts[1].groups[0];
    expect(keyGroup.tokenName).toBe('café');
    expect(page.parts[2].totals.requests).toBe(1); // the `café` filter
    expect(page.parts[3].totals.requests).toBe(1); // the exact model filter
  });
});

describe('pages the scanner leaves to JSON.parse', () => {
  const caller = () => ({ credential: toCredential(h.emulator.demoAccessKey), upstreamCalls: 0 });

  it.each([
    ['a success:false envelope', JSON.stringify({ success: false, message: '无效的access token' }), 'UNAUTHENTICATED'],
    ['an upstream refusal', JSON.stringify({ message: 'busy', success: false, data: { items: [] } }), 'UPSTREAM_ERROR'],
    ['a body that is not JSON', '<html>502</html>', 'UPSTREAM_BAD_RESPONSE'],
    ['a truncated body', envelope([SAMPLE, SAMPLE, SAMPLE]).slice(0, -40), 'UPSTREAM_BAD_RESPONSE'],
    ['trailing text', `${envelope([SAMPLE, SAMPLE, SAMPLE])} x`, 'UPSTREAM_BAD_RESPONSE'],
    ['a raw control character in a string', envelope([{ ...SAMPLE, content: 'a\u0001b' }]).replace('\\u0001', '\u0001'), 'UPSTREAM_BAD_RESPONSE'],
    ['an invalid escape', envelope([{ ...SAMPLE, content: 'ab' }]).replace('"ab"', '"a\\xb"'), 'UPSTREAM_BAD_RESPONSE'],
    ['a number with a leading zero', envelope([{ ...SAMPLE, quota: 7 }]).replace('"quota":7', '"quota":07'), 'UPSTREAM_BAD_RESPONSE'],
    ['no data', JSON.stringify({ success: true, message: '' }), 'UPSTREAM_BAD_RESPONSE'],
    ['data neither a list nor a page', JSON.stringify({ success: true, data: { rows: [] } }), 'UPSTREAM_BAD_RESPONSE'],
    ['an empty body', '', 'UPSTREAM_BAD_RESPONSE'],
  ])('%s: the error of the upstream client, %s', async (_name, body, kind) => {
    expect(scanLogPage(task(body).bytes, 0, [])).toBeNull();
    const error = (() => {
      try {
        aggregatePage(task(body));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe(kind);
    // the very error the upstream client gives for that body
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retries: 0 });
    try {
      const reference = await listLogsRaw(client, caller(), {}).then(() => null, (e: unknown) => e);
      expect(reference).toBeInstanceOf(UpstreamError);
      const { kind, message, details } = reference as UpstreamError;
      expect(error).toMatchObject({ kind, message, details });
    } finally {
      await client.close();
      server.close();
    }
  });

  it('odd but valid pages (data null, non-object entries, an object `other`, duplicate data) equal the JSON.parse path', () => {
    const odd = [
      JSON.stringify({ success: true, data: null }),
      JSON.stringify({ success: true, data: [logs[0], 5, null, 'x', [logs[1]], logs[2]] }),
      envelope([{ ...logs[0], other: { frt: 5, cache_tokens: 2 } }]),
      `{"success":true,"data":[${JSON.stringify(logs[0])}],"data":{"items":[${JSON.stringify(logs[1])}]}}`,
      envelope([{ ...logs[0], model_name: ['a'] }]),
    ];
    // (what the fallback then answers is JSON.parse's: test/page-scan-fuzz.test.ts compares the two)
    for (const body of odd) expect(scanLogPage(task(body).bytes, 0, [])).toBeNull();
  });

  it.each(['nonJson', 'truncated', 'wrongShape', 'invalidToken'] as const)('an emulator %s fault on a usage scan is the coded error the logs connection gets', async (mode) => {
    h.reset();
    h.emulator.setFault({ mode, path: '/yescale/logs' });
    const usage = await h.gqlInProcess(`{ usage(filter: {}, groupBy: [DAY]) { totals { requests } } }`);
    const listing = await h.gqlInProcess(`{ logs(first: 5) { edges { node { id } } } }`);
    h.reset();
    expect(usage.errors).toHaveLength(1);
    expect(usage.errors![0].extensions!.code).toBe(listing.errors![0].extensions!.code);
    // a broken connection is retried and may open the circuit, which words the listing's error its own way
    if (mode !== 'truncated') expect(usage.errors![0].message).toBe(listing.errors![0].message);
  });
});

describe('the worker threads', () => {
  const body = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    return { status: 200, bytes };
  };
  const job = (skip = 0) => ({ path: '/yescale/logs', skip, aggregators: AGGREGATORS });
  const a = { tenant: 'a' };
  const b = { tenant: 'b' };

  it('answer what the calling thread would, reuse their buffers, and end at close', async () => {
    const pool = new PagePool({ size: 2, idleMs: 60_000 });
    try {
      const pages = [envelope(logs.slice(0, 1_000)), envelope(logs.slice(1_000, 1_500)), envelope(logs.slice(1_500, 3_000)), envelope(logs.slice(0, 10))];
      const answers = await Promise.all(pages.map((page, i) => pool.run(body(page), job(i), a)));
      answers.forEach((answer, i) => expect(answer).toEqual(parsePage(task(pages[i], i))));
      expect(pool.size()).toBe(2);
      const error = await pool.run(body('{"success":false,"message":"busy"}'), job(), a).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ kind: 'UPSTREAM_ERROR', message: 'The upstream refused /yescale/logs: busy' });
    } finally {
      await pool.close();
    }
    expect(pool.size()).toBe(0);
    await expect(pool.run(body(envelope([])), job(), a)).rejects.toMatchObject({ kind: 'UPSTREAM_UNAVAILABLE' });
  });

  it('a thread that dies (out of memory on a page) fails that page with a coded error, and the next page gets a new thread', async () => {
    const pool = new PagePool({ size: 1, idleMs: 60_000, heapMb: 32 });
    try {
      // entries inside lists: the scanner leaves the page to JSON.parse, whose objects outgrow the 32 MB heap
      const huge = JSON.stringify({ success: true, data: Array.from({ length: 40 }, () => logs.slice(0, 3_000).map((l) => [l])) });
      const error = await pool.run(body(huge), job(), a).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ kind: 'UPSTREAM_BAD_RESPONSE' });
      expect((error as Error).message).toMatch(/^The usage scan could not read a page of \/yescale\/logs: its worker thread stopped \(.*memory.*\)$/);
      expect(await pool.run(body(envelope(logs.slice(0, 10))), job(), a)).toEqual(parsePage(task(envelope(logs.slice(0, 10)))));
      expect(pool.size()).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('callers take turns, a page that kills its thread fails only itself, and a page its deadline passed is dropped unread', async () => {
    const pool = new PagePool({ size: 1, idleMs: 60_000, heapMb: 32 });
    try {
      const small = envelope(logs.slice(0, 10));
      const done: string[] = [];
      const page = (owner: { tenant: string; signal?: AbortSignal }, name: string, text = small) =>
        pool.run(body(text), job(), owner).then(
          () => done.push(name),
          (e: Error) => done.push(`${name}: ${e.message}`),
        );
      const huge = JSON.stringify({ success: true, data: Array.from({ length: 40 }, () => logs.slice(0, 3_000).map((l) => [l])) });
      const late = new AbortController();
      await Promise.all([
        page(a, 'a1'),
        page(a, 'a2', huge),
        page(a, 'a3'),
        page(b, 'b1'),
        page({ tenant: 'c', signal: late.signal }, 'c1'),
        page(b, 'b2'),
        Promise.resolve().then(() => late.abort()),
      ]);
      expect(done[0]).toBe('c1: The upstream is unavailable on /yescale/logs: request aborted (deadline)');
      // a's second page went to the thread first (a asked first), then b's turn came before a's third
      expect(done.slice(1)).toEqual(['a1', expect.stringMatching(/^a2: .*worker thread stopped/), 'b1', 'a3', 'b2']);
    } finally {
      await pool.close();
    }
  });

  it('idle threads end by themselves', async () => {
    const pool = new PagePool({ size: 1, idleMs: 50 });
    await pool.run(body(envelope(logs.slice(0, 10))), job(), a);
    expect(pool.size()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pool.size()).toBe(0);
    await pool.close();
  });

  it('two requests scanning alike share the upstream pages in flight, each reading its own copy', async () => {
    const own = await startHarness({ logPageConcurrency: 3 }, { logsPerUser: 3_000, now: NOW, maxPageSize: 100 });
    try {
      const query = `{ usage(filter: {}, groupBy: [DAY, MODEL]) { totals { requests quota cacheTokens } groups { day model requests quota } } }`;
      const alone = await own.gqlInProcess(query);
      const pages = own.calls()['/yescale/logs'];
      expect(pages).toBeGreaterThan(20);
      own.reset();
      own.emulator.setFault({ mode: 'latency', latencyMs: 5, path: '/yescale/logs' });
      const both = await Promise.all([own.gqlInProcess(query), own.gqlInProcess(query)]);
      expect(both[0].errors).toBeUndefined();
      expect(both).toEqual([alone, alone]);
      // pages joined in flight (most: the two walks may drift apart by a page or two)
      expect(own.calls()['/yescale/logs']).toBeLessThan(pages * 1.5);
    } finally {
      await own.close();
    }
  });

  it('a body read into the pool as it arrives, with a Content-Length or chunked (as Go sends a large answer), and larger than the first buffer', async () => {
    const text = envelope(logs.slice(0, 3_000).map((l, i) => ({ ...l, content: `${l.content} ${'·'.repeat(i % 300)}` })));
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    const server = createServer((req, res) => {
      if (req.url!.includes('p=2')) {
        // no Content-Length: node:http sends it chunked
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let at = 0; at < bytes.length; at += 100_000) res.write(bytes.subarray(at, at + 100_000));
        res.end();
      } else res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retries: 0 });
    const pool = new PagePool({ size: 1, idleMs: 60_000 });
    try {
      const want = parsePage(task(text));
      for (const p of [2, 1, 2]) {
        const body = await client.getBody('/yescale/logs', { p }, { credential: toCredential('sk-test'), upstreamCalls: 0 }, pool);
        expect(Buffer.from(body.bytes).equals(bytes)).toBe(true);
        expect(await pool.run(body, job(), a)).toEqual(want);
      }
    } finally {
      await pool.close();
      await client.close();
      server.close();
    }
  });

  it("the gateway's dispose ends its threads", async () => {
    const own = await startHarness({}, { logsPerUser: 500, now: NOW });
    const res = await own.gqlInProcess(`{ usage(filter: {}, groupBy: [MODEL]) { totals { requests } } }`);
    expect(res.errors).toBeUndefined();
    expect(own.gateway.usagePool.size()).toBeGreaterThan(0);
    await own.close();
    expect(own.gateway.usagePool.size()).toBe(0);
  });
});
