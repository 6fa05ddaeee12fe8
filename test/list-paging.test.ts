/**
 * Tasks and keys served in pages (new-api ≥ v0.8.8 pages /api/task/self and its token list,
 * 10 rows by default, at most 100, as its GetPageQuery caps them). The real
 * gateway on an emulator that pages them must answer every row the unpaged emulator answers,
 * through every consumer, and fail with a code, never cut short, when the pages fall short.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp } from '../src/upstream/http.js';
import { LIST_PAGE_CONCURRENCY, listTasks } from '../src/upstream/yescale.js';
import { toCredential } from '../src/upstream/credential.js';
import { startHarness, taskGlobalId, type Harness } from './helpers.js';

const NOW = 1_760_000_000;
const ALL = `filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }`;

let paged: Harness;
let plain: Harness;
beforeAll(async () => {
  [paged, plain] = await Promise.all([
    startHarness({}, { logsPerUser: 200, now: NOW, pageLists: true }),
    startHarness({}, { logsPerUser: 200, now: NOW }),
  ]);
});
afterAll(async () => {
  await Promise.all([paged.close(), plain.close()]);
});
beforeEach(() => {
  paged.reset();
  plain.reset();
});

const requests = (h: Harness, path: string) => h.emulator.stats().requests.filter((r) => r.path === path).map((r) => r.query);
const iso = (unix: number) => new Date(unix * 1000).toISOString();

describe('the emulator pages like new-api when asked', () => {
  const get = async (path: string, query: string) => {
    const res = await fetch(`${paged.upstreamUrl}${path}?${query}`, { headers: { authorization: paged.emulator.demoAccessKey } });
    return ((await res.json()) as { data: { items: { id: number }[]; total: number; page: number; page_size: number } }).data;
  };

  it('10 rows by default, page_size (or ps, size) up to 100, p below 1 is page 1', async () => {
    const tasks = paged.emulator.tasks('demo');
    const window = `start_timestamp=0&end_timestamp=${NOW}`;
    expect(tasks.length).toBeGreaterThan(25);
    const first = await get('/yescale/task', window);
    expect(first).toMatchObject({ total: tasks.length, page: 1, page_size: 10 });
    expect(first.items.map((t) => t.id)).toEqual(tasks.slice(0, 10).map((t) => t.id));
    expect((await get('/yescale/task', `${window}&p=0`)).page).toBe(1);
    const second = await get('/yescale/task', `${window}&p=2&page_size=7`);
    expect(second.items.map((t) => t.id)).toEqual(tasks.slice(7, 14).map((t) => t.id));
    expect((await get('/yescale/task', `${window}&ps=7`)).page_size).toBe(7);
    const clamped = await get('/yescale/apikeylist', 'page_size=250');
    expect(clamped).toMatchObject({ total: paged.emulator.apiKeys('demo').length, page_size: 100 });
    expect(clamped.items).toHaveLength(paged.emulator.apiKeys('demo').length);
  });
});

describe('the gateway reads every page', () => {
  it('tasks and apiKeys answer every row, as the unpaged upstream does, in two calls each', async () => {
    const query = `{ tasks(${ALL}) { id taskId status submittedAt } me { tasks(${ALL}) { id } } apiKeys { id upstreamId name status } }`;
    const [fromPaged, fromPlain] = await Promise.all([paged.gql(query), plain.gql(query)]);
    expect(fromPaged.errors).toBeUndefined();
    expect(fromPaged.data.tasks).toHaveLength(paged.emulator.tasks('demo').length);
    expect(fromPaged.data.apiKeys).toHaveLength(paged.emulator.apiKeys('demo').length);
    expect(paged.emulator.apiKeys('demo').length).toBeGreaterThan(12);
    expect(fromPaged.data).toEqual(fromPlain.data);
    // The first page (10 of 60 tasks, 10 of 30 keys) is followed by one page of 100, not 5 or 2 pages of 10.
    expect(paged.calls()).toEqual({ '/yescale/task': 2, '/yescale/apikeylist': 1 + 1, '/yescale/user': 1 });
    expect(requests(paged, '/yescale/task')[1]).toMatchObject({ p: '1', page_size: '100' });
    // Plain arrays stay as today: one call, no paging parameters.
    expect(plain.calls()['/yescale/task']).toBe(1);
    expect(requests(plain, '/yescale/task')[0]).not.toHaveProperty('p');
  });

  it('a window of 11 to 20 tasks follows at the page size served: page 2 of 10', async () => {
    const tasks = paged.emulator.tasks('demo');
    const window = `filter: { from: "${iso(tasks[24].submit_time)}", to: "${iso(tasks[10].submit_time)}" }`;
    const query = `{ tasks(${window}) { id taskId } }`;
    const [fromPaged, fromPlain] = await Promise.all([paged.gql(query), plain.gql(query)]);
    expect(fromPaged.errors).toBeUndefined();
    expect(fromPaged.data.tasks).toHaveLength(15);
    expect(fromPaged.data).toEqual(fromPlain.data);
    expect(requests(paged, '/yescale/task').map((q) => [q.p, q.page_size])).toEqual([[undefined, undefined], ['2', '10']]);
  });

  it('node lookups find a task and a key that only a later page holds', async () => {
    const tasks = paged.emulator.tasks('demo');
    const keys = paged.emulator.apiKeys('demo');
    const lastKey = keys.at(-1)!;
    // newest and oldest in one batch: one window over every task, so the oldest is on page 6 of 10
    const res = await paged.gql(`query($a: ID!, $b: ID!, $k: ID!, $n: ID!) {
      a: node(id: $a) { id ... on Task { taskId } }
      b: node(id: $b) { id ... on Task { taskId } }
      k: node(id: $k) { ... on ApiKey { name } }
      n: apiKey(id: $n) { name }
    }`, { a: taskGlobalId(tasks[0]), b: taskGlobalId(tasks.at(-1)!), k: encodeGlobalID('ApiKey', String(lastKey.id)), n: String(lastKey.id) });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      a: { id: taskGlobalId(tasks[0]), taskId: tasks[0].task_id },
      b: { id: taskGlobalId(tasks.at(-1)!), taskId: tasks.at(-1)!.task_id },
      k: { name: lastKey.name },
      n: { name: lastKey.name },
    });
    expect(paged.calls()).toEqual({ '/yescale/task': 2, '/yescale/apikeylist': 2 });
  });

  it('_entities resolves every task and key of later pages', async () => {
    const tasks = paged.emulator.tasks('demo');
    const keys = paged.emulator.apiKeys('demo');
    const res = await paged.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Task { id } ... on ApiKey { upstreamId } } }`, {
      r: [...tasks.map((t) => ({ __typename: 'Task', id: taskGlobalId(t) })), ...keys.map((k) => ({ __typename: 'ApiKey', upstreamId: k.id }))],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toEqual([...tasks.map((t) => ({ id: taskGlobalId(t) })), ...keys.map((k) => ({ upstreamId: k.id }))]);
    expect(paged.calls()).toEqual({ '/yescale/task': 2, '/yescale/apikeylist': 2 });
  });
});

describe('pages that fall short of their total', () => {
  it.each([
    ['/yescale/task', `tasks(${ALL}) { id }`],
    ['/yescale/apikeylist', 'apiKeys { id }'],
  ])('%s: UPSTREAM_BAD_RESPONSE naming the shortfall, not a short list', async (path, selection) => {
    paged.emulator.setFault({ mode: 'overstatedTotal', path });
    const res = await paged.gql(`{ target: ${selection} me { username } }`);
    expect(res.data.me.username).toBe('demo');
    expect(res.data.target).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(res.errors![0].message).toMatch(new RegExp(`${path}.*total of \\d+ rows but \\d+ pages of \\d+ held \\d+`));
    // the claimed rows were asked for, within a bound: the first page, then pages of 100
    expect(paged.calls()[path]).toBeLessThanOrEqual(4);
  });

  it('a plain array is never questioned by the fault', async () => {
    plain.emulator.setFault({ mode: 'overstatedTotal', path: '/yescale/task' });
    const res = await plain.gql(`{ tasks(${ALL}) { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.tasks).toHaveLength(plain.emulator.tasks('demo').length);
  });
});

describe('the upstream client under a listing that moves while it is paged', () => {
  // Hand-made answers: a race cannot be timed against the emulator. Tasks newest first, ids N..1,
  // every page clamped to 10 rows like new-api's default; `onRequest` may change the rows.
  let rows: number[] = [];
  let onRequest: (n: number) => void = () => {};
  let reportPageSize = true;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const seen: URLSearchParams[] = [];
  let server: Server;
  let http: UpstreamHttp;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const q = new URL(req.url!, 'http://stub').searchParams;
      seen.push(q);
      const page = Math.max(1, Number(q.get('p') ?? 1));
      const items = rows.slice((page - 1) * 10, page * 10).map((id) => ({ id, task_id: `t${id}`, submit_time: 1_700_000_000 + id }));
      const data = { items, total: rows.length, page, ...(reportPageSize ? { page_size: 10 } : {}) };
      onRequest(seen.length);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, data }));
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    http = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await http.close();
    server.close();
  });
  beforeEach(() => {
    seen.length = 0;
    onRequest = () => {};
    reportPageSize = true;
    delayMs = 0;
    maxInFlight = 0;
  });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => n - i);
  const list = async () => {
    const caller = { credential: toCredential('stub-access-key-1234567890'), upstreamCalls: 0 };
    const tasks = await listTasks(http, caller, { start_timestamp: 0, end_timestamp: 2_000_000_000 });
    return { ids: tasks.map((t) => t.id), calls: caller.upstreamCalls };
  };

  it('a task submitted after the first page pushes the oldest to a page past the first total: it is fetched too', async () => {
    rows = ids(30);
    onRequest = (n) => {
      if (n === 1) rows = [31, ...rows];
    };
    const got = await list();
    expect(got.ids).toEqual(ids(31));
    // head, page 1 asked at 100 (served 10), then pages 2..4 of the grown total; each through the client
    expect(seen.map((q) => [q.get('p'), q.get('page_size')])).toEqual([[null, null], ['1', '100'], ['2', '10'], ['3', '10'], ['4', '10']]);
    expect(got.calls).toBe(5);
  });

  it('later pages run concurrently, at most LIST_PAGE_CONCURRENCY at once', async () => {
    rows = ids(90);
    delayMs = 30;
    expect((await list()).ids).toEqual(ids(90));
    // head and page 1 at 100 (served 10) one after the other, then pages 2..9
    expect(seen).toHaveLength(10);
    expect(maxInFlight).toBe(LIST_PAGE_CONCURRENCY);
  });

  it('a page that does not say its size is paged at the length it served', async () => {
    rows = ids(15);
    reportPageSize = false;
    expect((await list()).ids).toEqual(ids(15));
    expect(seen.map((q) => [q.get('p'), q.get('page_size')])).toEqual([[null, null], ['2', '10']]);
  });
});
