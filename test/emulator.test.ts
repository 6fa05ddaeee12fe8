/**
 * The YEScale emulator over real loopback HTTP. Expectations are computed independently,
 * by brute force over emulator.log(user, i) / apiKeys() / tasks(), never by the query code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type Fault } from '../src/emulator/index.js';
import type { WireLog, WireTask, WireToken } from '../src/upstream/wire.js';

const NOW = 1_750_000_000;
const LOGS = 5_000;

let emu: Emulator;
let base: string;

beforeAll(async () => {
  emu = createEmulator({ now: NOW, speed: 0, logsPerUser: LOGS });
  base = await emu.listen();
});
afterAll(() => emu.close());

const userKey = (name: string) => emu.users.find((u) => u.username === name)!.accessKey;

function call(path: string, key: string | null = emu.demoAccessKey, init: RequestInit = {}, url = base): Promise<Response> {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  return fetch(url + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
}

async function json(path: string, key?: string | null): Promise<{ status: number; body: any }> {
  const res = await call(path, key);
  return { status: res.status, body: await res.json() };
}

function allLogs(user: string): WireLog[] {
  return Array.from({ length: emu.logCount(user) }, (_, i) => emu.log(user, i));
}

/** A page fetched over HTTP, parsed (drops undefined fields the way JSON does). */
async function logsPage(query: string, key?: string): Promise<{ items: WireLog[]; total: number; page: number; page_size: number }> {
  const { status, body } = await json(`/yescale/logs${query}`, key);
  expect(status).toBe(200);
  expect(body.success).toBe(true);
  return body.data;
}

const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('users and auth', () => {
  it('has a demo user, an admin and a user with very few logs', () => {
    expect(emu.users[0].username).toBe('demo');
    expect(emu.demoAccessKey).toBe(emu.users[0].accessKey);
    expect(emu.demoAccessKey).toMatch(/^[A-Za-z0-9+/]{32}$/);
    expect(emu.users.length).toBeGreaterThanOrEqual(3);
    expect(emu.users.some((u) => u.role === 10)).toBe(true);
    expect(Math.min(...emu.users.map((u) => emu.logCount(u.username)))).toBeLessThan(10);
    expect(new Set(emu.users.map((u) => u.accessKey)).size).toBe(emu.users.length);
  });

  it('answers 401 without an Authorization header', async () => {
    const { status, body } = await json('/yescale/user', null);
    expect(status).toBe(401);
    expect(body).toEqual({ success: false, message: expect.stringContaining('no access token provided') });
  });

  it('answers 200 success:false for an unknown key', async () => {
    const { status, body } = await json('/yescale/logs', 'not-a-real-key');
    expect(status).toBe(200);
    expect(body).toEqual({ success: false, message: expect.stringContaining('access token invalid') });
  });

  it('accepts the key without the Bearer prefix', async () => {
    const res = await fetch(`${base}/yescale/user`, { headers: { authorization: userKey('admin') } });
    expect((await res.json()).data.username).toBe('admin');
  });

  it('404s unknown paths and 405s other methods', async () => {
    const nf = await json('/yescale/nope');
    expect(nf).toEqual({ status: 404, body: { success: false, message: 'not found' } });
    const res = await call('/yescale/user', emu.demoAccessKey, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
  });
});

describe('GET /yescale/user', () => {
  it('has the documented envelope and alphabetically sorted keys', async () => {
    const res = await call('/yescale/user');
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['data', 'message', 'success']);
    expect(body.success).toBe(true);
    const keys = Object.keys(body.data);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(['access_token', 'display_name', 'email', 'quota', 'request_count', 'role', 'telegram_id', 'used_quota', 'username']);
    expect(body.data).toEqual(plain(emu.user('demo')));
    expect(body.data.quota).toBeGreaterThan(2 ** 31);
  });

  it('used_quota and request_count are sums over the consume logs', () => {
    for (const { username } of emu.users) {
      const consume = allLogs(username).filter((l) => l.type === 2);
      const u = emu.user(username);
      expect(u.used_quota).toBe(sum(consume.map((l) => l.quota)));
      expect(u.request_count).toBe(consume.length);
    }
  });
});

describe('GET /yescale/apikeylist', () => {
  it('returns only `data` with every key of the caller', async () => {
    const { body } = await json('/yescale/apikeylist');
    expect(Object.keys(body)).toEqual(['data']);
    const keys: WireToken[] = body.data;
    expect(keys).toEqual(plain(emu.apiKeys('demo')));
    expect(keys.length).toBeGreaterThanOrEqual(25);
    expect(new Set(keys.map((k) => k.status))).toEqual(new Set([1, 2, 3, 4]));
    expect(keys.some((k) => k.unlimited_quota)).toBe(true);
    expect(keys.some((k) => k.expired_time === -1)).toBe(true);
    expect(keys.some((k) => k.model_limits_enabled && k.model_limits.includes(','))).toBe(true);
    for (const k of keys) {
      expect(k.key).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(k.user_id).toBe(keys[0].user_id);
      expect(k.DeletedAt).toBeNull();
      if (k.status === 3) expect(k.expired_time).toBeLessThan(NOW);
    }
    expect(new Set(keys.map((k) => k.name)).size).toBe(keys.length);
  });

  it("each key's used_quota is the sum of its consume logs", () => {
    const logs = allLogs('demo').filter((l) => l.type === 2);
    for (const k of emu.apiKeys('demo')) {
      expect(k.used_quota).toBe(sum(logs.filter((l) => l.token_id === k.id).map((l) => l.quota)));
      expect(logs.filter((l) => l.token_id === k.id).every((l) => l.token_name === k.name)).toBe(true);
    }
    expect(sum(emu.apiKeys('demo').map((k) => k.used_quota))).toBe(emu.user('demo').used_quota);
  });

  it('filters by keyword (case-sensitive substring of the name)', async () => {
    const all = emu.apiKeys('demo');
    for (const kw of ['bot', 'default', 'Bot', 'zzz']) {
      const { body } = await json(`/yescale/apikeylist?keyword=${kw}`);
      expect(body.data.map((k: WireToken) => k.id)).toEqual(all.filter((k) => k.name.includes(kw)).map((k) => k.id));
    }
    const { body } = await json('/yescale/apikeylist?keyword=bot');
    expect(body.data.length).toBeGreaterThanOrEqual(3);
  });

  it('filters by token after trimming s, k and - from both ends', async () => {
    const all = emu.apiKeys('demo');
    const trim = (t: string) => {
      let a = 0;
      let b = t.length;
      while (a < b && 'sk-'.includes(t[a])) a++;
      while (b > a && 'sk-'.includes(t[b - 1])) b--;
      return t.slice(a, b);
    };
    const target = all[4].key;
    for (const token of [`sk-${target}`, target.slice(10, 30), `sk-${target.slice(0, 12)}`]) {
      const { body } = await json(`/yescale/apikeylist?token=${encodeURIComponent(token)}`);
      const expected = all.filter((k) => k.key.includes(trim(token))).map((k) => k.id);
      expect(body.data.map((k: WireToken) => k.id)).toEqual(expected);
      expect(expected).toContain(all[4].id);
    }
    // the quirk is a character-set trim, not a prefix strip: "skkk-" trims to nothing = no filter
    const { body } = await json('/yescale/apikeylist?token=skkk-');
    expect(body.data.length).toBe(all.length);
  });
});

describe('GET /yescale/task', () => {
  it('requires integer start_timestamp and end_timestamp', async () => {
    for (const q of ['', '?start_timestamp=1', '?end_timestamp=1', '?start_timestamp=abc&end_timestamp=2', '?start_timestamp=1.5&end_timestamp=2']) {
      const { status, body } = await json(`/yescale/task${q}`);
      expect(status).toBe(200);
      expect(body).toEqual({ success: false, message: 'start_timestamp and end_timestamp are required' });
    }
  });

  it('returns the tasks of the window (inclusive, on submit_time), newest first', async () => {
    const all = emu.tasks('demo');
    expect(all.length).toBeGreaterThanOrEqual(50);
    const { body } = await json(`/yescale/task?start_timestamp=0&end_timestamp=${NOW}`);
    expect(Object.keys(body)).toEqual(['success', 'message', 'data']);
    expect(body.data).toEqual(plain(all));
    const times = all.map((t) => t.submit_time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const mid = all[10].submit_time;
    const end = all[3].submit_time;
    const { body: window } = await json(`/yescale/task?start_timestamp=${mid}&end_timestamp=${end}`);
    expect(window.data.map((t: WireTask) => t.id)).toEqual(all.filter((t) => t.submit_time >= mid && t.submit_time <= end).map((t) => t.id));
    expect(window.data[0].submit_time).toBe(end);
    expect(window.data.at(-1).submit_time).toBe(mid);
  });

  it('covers every platform and status, with consistent progress', () => {
    const all = emu.tasks('demo');
    expect(new Set(all.map((t) => t.platform))).toEqual(new Set(['suno', '50', '52', '55']));
    expect(new Set(all.map((t) => t.status))).toEqual(new Set(['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'FAILURE', 'SUCCESS', 'UNKNOWN']));
    for (const t of all) {
      expect(t.progress).toMatch(/^\d{1,3}%$/);
      if (t.status === 'SUCCESS') expect([t.progress, t.fail_reason]).toEqual(['100%', '']);
      if (t.status === 'FAILURE') expect(t.fail_reason).not.toBe('');
      if (t.status === 'NOT_START') expect([t.progress, t.start_time, t.finish_time]).toEqual(['0%', 0, 0]);
      if (t.finish_time) expect(t.finish_time).toBeGreaterThanOrEqual(t.start_time);
      expect(t.platform === 'suno' ? ['MUSIC', 'LYRICS'] : ['generate', 'textGenerate', 'firstTailGenerate']).toContain(t.action);
      expect(t.data).toBeTypeOf('object');
    }
  });
});

describe('task billing logs (per new-api era)', () => {
  const USD = 500_000;
  for (const era of ['yescale', 'latest'] as const) {
    describe(era, () => {
      const e = createEmulator({ now: NOW, speed: 0, logsPerUser: LOGS, era });
      const logs = Array.from({ length: e.logCount('demo') }, (_, i) => e.log('demo', i));
      const tasks = e.tasks('demo');

      it('writes every log type in realistic proportions', () => {
        const share = (type: number) => logs.filter((l) => l.type === type).length / logs.length;
        expect(share(2)).toBeGreaterThan(0.9);
        for (const type of [1, 3, 4]) expect(share(type)).toBeGreaterThan(0);
        expect(share(1)).toBeLessThan(0.01);
        expect(share(3)).toBeLessThan(0.005);
        expect(share(5)).toBeGreaterThan(0.02);
        expect(share(5)).toBeLessThan(0.06);
        const failed = tasks.filter((t) => t.status === 'FAILURE').length;
        expect(failed).toBeGreaterThan(0);
        expect(logs.filter((l) => l.type === 6).length).toBe(era === 'latest' ? failed : 0);
        for (const l of logs) if (l.type !== 2 && l.type !== 6) expect(l.quota).toBe(0);
      });

      it('charges each task at its submit time, with its quota and without its id', () => {
        for (const t of tasks) {
          const charges = logs.filter((l) => l.type === 2 && l.created_at === t.submit_time && l.quota === t.quota && l.content.endsWith(`操作 ${t.action}`));
          expect(charges.length).toBeGreaterThanOrEqual(1);
          const c = charges[0];
          const other = JSON.parse(c.other);
          if (era === 'yescale') {
            expect(c.content).toBe(`模型固定价格 ${(t.quota / USD).toFixed(2)}，分组倍率 1.00，操作 ${t.action}`);
            expect(other).toEqual({ model_price: t.quota / USD, group_ratio: 1 });
          } else {
            expect(c.content).toBe(`操作 ${t.action}`);
            expect(other).toMatchObject({ is_task: true, model_price: t.quota / USD, group_ratio: 1 });
            expect(other.request_path).toMatch(/^\//);
          }
        }
        // no log names a task except a refund
        for (const l of logs) {
          if (tasks.some((t) => (l.content + l.other).includes(t.task_id))) expect(l.type).toBe(era === 'yescale' ? 4 : 6);
        }
      });

      it('refunds each failed task once, by id, at or after its start', () => {
        for (const t of tasks) {
          const refunds = logs.filter((l) => (l.content + l.other).includes(t.task_id));
          if (t.status !== 'FAILURE') {
            expect(refunds).toEqual([]);
            continue;
          }
          expect(refunds).toHaveLength(1);
          const r = refunds[0];
          expect(r.created_at).toBeGreaterThanOrEqual(t.submit_time);
          if (era === 'yescale') {
            expect(r).toMatchObject({ type: 4, quota: 0, other: '', model_name: '', token_name: '' });
            expect(r.content).toBe(t.platform === 'suno' ? `异步任务执行失败 ${t.task_id}，补偿 $${(t.quota / USD).toFixed(6)} 额度` : `Video async task failed ${t.task_id}, refund $${(t.quota / USD).toFixed(6)} 额度`);
          } else {
            expect(r).toMatchObject({ type: 6, quota: t.quota });
            expect(JSON.parse(r.other)).toEqual({ task_id: t.task_id, reason: t.fail_reason });
            expect(r.content).not.toContain(t.task_id);
          }
        }
      });
    });
  }

  it('writes a refund after its failure even when every later entry of the history is taken: at the end of the history, the task ending with it', () => {
    // a short history of a busy account: the newest entries are all charges and refunds of other tasks
    // at some start times (about one in eight here); the refund went to an older free entry, before
    // the task was even submitted, where a client looking near the task's times did not find it
    for (let k = 0; k < 60; k++) {
      const e = createEmulator({ now: NOW - k * 7_919, speed: 0, logsPerUser: 300 });
      const refunds = Array.from({ length: e.logCount('demo') }, (_, i) => e.log('demo', i)).filter((l) => l.type === 4);
      for (const t of e.tasks('demo').filter((task) => task.status === 'FAILURE')) {
        const mine = refunds.filter((l) => l.content.includes(t.task_id));
        expect(mine.map((l) => l.created_at), t.task_id).toEqual([t.finish_time]);
        expect(t.finish_time).toBeGreaterThanOrEqual(Math.max(t.submit_time, t.start_time));
        expect(t.finish_time).toBeLessThanOrEqual(NOW - k * 7_919);
      }
    }
  });

  it('refuses an unknown era', () => {
    expect(() => createEmulator({ now: NOW, speed: 0, logsPerUser: 10, era: 'v1' as never })).toThrow(/era/);
  });
});

describe('GET /yescale/logs', () => {
  it('defaults to page 1 of 10000, newest first, exactly the brute-force logs', async () => {
    const page = await logsPage('');
    expect(page.page).toBe(1);
    expect(page.page_size).toBe(10_000);
    expect(page.total).toBe(LOGS);
    expect(page.items).toEqual(plain(allLogs('demo')));
    for (let i = 1; i < page.items.length; i++) expect(page.items[i].created_at).toBeLessThanOrEqual(page.items[i - 1].created_at);
    expect(page.items[0].created_at).toBeLessThanOrEqual(NOW);
    expect(page.items.at(-1)!.created_at).toBeGreaterThanOrEqual(NOW - 90 * 86_400);
    expect(typeof page.items[0].other).toBe('string');
  });

  it('looks like a realistic usage history', () => {
    const logs = allLogs('demo');
    const types = new Set(logs.map((l) => l.type));
    // YEScale's build (the default era) predates REFUND (6): a failed task's refund is SYSTEM text
    expect([...types].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(logs.filter((l) => l.type === 2).length / logs.length).toBeGreaterThan(0.8);
    expect(new Set(logs.map((l) => l.model_name)).size).toBeGreaterThanOrEqual(18);
    for (const l of logs) {
      if (l.type === 2) expect(l.quota).toBeGreaterThan(0);
      if (l.type === 5) expect(l.quota).toBe(0);
      if (l.type === 2 && l.other.includes('"model_price":-1')) {
        const o = JSON.parse(l.other);
        const expected = (l.prompt_tokens - o.cache_tokens + o.cache_tokens * o.cache_ratio + l.completion_tokens * o.completion_ratio) * o.model_ratio * o.group_ratio;
        expect(l.quota).toBe(Math.max(1, Math.round(expected)));
      }
    }
  });

  it('pages with p and page_size; p < 1 is page 1; beyond the end is empty', async () => {
    const logs = plain(allLogs('demo'));
    const p3 = await logsPage('?p=3&page_size=100');
    expect(p3).toMatchObject({ page: 3, page_size: 100, total: LOGS });
    expect(p3.items).toEqual(logs.slice(200, 300));
    const p0 = await logsPage('?p=0&page_size=7');
    expect(p0.page).toBe(1);
    expect(p0.items).toEqual(logs.slice(0, 7));
    const last = await logsPage(`?p=${Math.ceil(LOGS / 300)}&page_size=300`);
    expect(last.items).toEqual(logs.slice(Math.floor(LOGS / 300) * 300));
    const beyond = await logsPage('?p=1000&page_size=300');
    expect(beyond).toEqual({ items: [], total: LOGS, page: 1000, page_size: 300 });
  });

  it('filters by type, token_name (exact) and a time window (inclusive), alone and combined', async () => {
    const logs = plain(allLogs('demo'));
    const start = logs[3000].created_at;
    const end = logs[1000].created_at;
    const cases: Array<[string, (l: WireLog) => boolean]> = [
      ['type=2', (l) => l.type === 2],
      ['type=5', (l) => l.type === 5],
      ['type=0', () => true],
      ['type=9', () => false],
      ['token_name=claude-code', (l) => l.token_name === 'claude-code'],
      ['token_name=claude', () => false],
      [`start_timestamp=${start}`, (l) => l.created_at >= start],
      [`end_timestamp=${end}`, (l) => l.created_at <= end],
      [`start_timestamp=${start}&end_timestamp=${end}`, (l) => l.created_at >= start && l.created_at <= end],
      [`start_timestamp=0&end_timestamp=0`, () => true],
      [`type=2&token_name=default&start_timestamp=${start}&end_timestamp=${end}`, (l) => l.type === 2 && l.token_name === 'default' && l.created_at >= start && l.created_at <= end],
    ];
    for (const [q, pred] of cases) {
      const expected = logs.filter(pred);
      const page = await logsPage(`?${q}&page_size=${LOGS}`);
      expect({ q, total: page.total }).toEqual({ q, total: expected.length });
      expect(page.items).toEqual(expected);
      const p2 = await logsPage(`?${q}&page_size=25&p=2`);
      expect(p2.items).toEqual(expected.slice(25, 50));
    }
  });

  it('treats model_name as recent new-api does: LIKE with `_` and `!` escaped by `!`, `%` the caller\'s wildcard', async () => {
    const logs = plain(allLogs('demo'));
    const cases: Array<[string, string[]]> = [
      ['gpt-4o', ['gpt-4o']],
      ['gpt-4o_mini%', ['gpt-4o_mini-legacy']],
      ['gpt-4o_mini-legacy', ['gpt-4o_mini-legacy']],
      ['gpt-4o-mini-legacy', []],
      ['gpt-4o!_mini-legacy', []],
      ['gpt-4o\\_mini-legacy', []],
      ['%sonnet%', ['claude-3-7-sonnet-20250219', 'claude-sonnet-4-20250514']],
      ['gemini-2.5-_____', []],
    ];
    for (const [pattern, names] of cases) {
      const expected = logs.filter((l) => names.includes(l.model_name));
      const page = await logsPage(`?model_name=${encodeURIComponent(pattern)}&page_size=${LOGS}`);
      expect({ pattern, total: page.total }).toEqual({ pattern, total: expected.length });
      expect(page.items).toEqual(expected);
      if (names.length) expect(expected.length).toBeGreaterThan(0);
    }
    for (const refused of ['%', 'gpt%%', '%g%p%', 'g%']) {
      const { body } = await json(`/yescale/logs?model_name=${encodeURIComponent(refused)}`);
      expect({ refused, success: body.success }).toEqual({ refused, success: false });
    }
  });

  it('with likeDialect raw (YEScale era), passes model_name to LIKE as is: `_` matches any one character', async () => {
    const raw = createEmulator({ now: NOW, speed: 0, logsPerUser: LOGS, likeDialect: 'raw' });
    const url = await raw.listen();
    try {
      const logs = plain(allLogs('demo'));
      const cases: Array<[string, string[]]> = [
        ['gpt-4o', ['gpt-4o']],
        ['gpt-4o_mini%', ['gpt-4o-mini', 'gpt-4o-mini-tts', 'gpt-4o_mini-legacy']],
        ['gpt-4o\\_mini%', ['gpt-4o_mini-legacy']],
        ['gpt-4o_mini-legacy', ['gpt-4o_mini-legacy']],
        ['gpt-4o-mini-legacy', []],
        ['%sonnet%', ['claude-3-7-sonnet-20250219', 'claude-sonnet-4-20250514']],
        ['gemini-2.5-_____', ['gemini-2.5-flash']],
        ['%', [...new Set(logs.map((l) => l.model_name))]],
      ];
      for (const [pattern, names] of cases) {
        const expected = logs.filter((l) => names.includes(l.model_name));
        const res = await call(`/yescale/logs?model_name=${encodeURIComponent(pattern)}&page_size=${LOGS}`, raw.demoAccessKey, {}, url);
        const page = (await res.json()).data;
        expect({ pattern, total: page.total }).toEqual({ pattern, total: expected.length });
        expect(page.items).toEqual(expected);
        if (names.length) expect(expected.length).toBeGreaterThan(0);
      }
    } finally {
      await raw.close();
    }
  });

  it('scopes logs to the caller: a different username filter gives nothing', async () => {
    expect((await logsPage('?username=demo')).total).toBe(LOGS);
    expect(await logsPage('?username=admin')).toEqual({ items: [], total: 0, page: 1, page_size: 10_000 });
  });

  it('rejects non-integer parameters by name', async () => {
    for (const name of ['p', 'page_size', 'type', 'start_timestamp', 'end_timestamp']) {
      const { status, body } = await json(`/yescale/logs?${name}=x1`);
      expect(status).toBe(200);
      expect(body.success).toBe(false);
      expect(body.message).toContain(name);
    }
  });

  it('clamps page_size to maxPageSize when configured', async () => {
    const small = createEmulator({ now: NOW, speed: 0, logsPerUser: 500, maxPageSize: 100 });
    const url = await small.listen();
    try {
      const res = await call('/yescale/logs?page_size=1000&p=2', small.demoAccessKey, {}, url);
      const { data } = await res.json();
      expect(data.page_size).toBe(100);
      expect(data.items).toEqual(plain(Array.from({ length: 100 }, (_, i) => small.log('demo', 100 + i))));
    } finally {
      await small.close();
    }
  });
});

describe('isolation between users', () => {
  it('never shows one user the keys, logs or tasks of another', async () => {
    const demoKeyIds = new Set(emu.apiKeys('demo').map((k) => k.id));
    const demoKeys = new Set(emu.apiKeys('demo').map((k) => k.key));
    for (const { username, accessKey } of emu.users.slice(1)) {
      const user = (await json('/yescale/user', accessKey)).body.data;
      expect(user.username).toBe(username);
      const keys: WireToken[] = (await json('/yescale/apikeylist', accessKey)).body.data;
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => !demoKeyIds.has(k.id) && !demoKeys.has(k.key))).toBe(true);
      const ownKeyIds = new Set(keys.map((k) => k.id));
      const logs = await logsPage('', accessKey);
      expect(logs.total).toBe(emu.logCount(username));
      expect(logs.items.every((l) => l.username === username && (l.token_id === 0 || ownKeyIds.has(l.token_id!)))).toBe(true);
      // a key name both users have only ever matches the caller's own logs
      const byName = await logsPage('?token_name=default', accessKey);
      expect(byName.items.every((l) => l.username === username)).toBe(true);
      const tasks: WireTask[] = (await json(`/yescale/task?start_timestamp=0&end_timestamp=${NOW}`, accessKey)).body.data;
      expect(tasks.length).toBeGreaterThan(0);
      expect(tasks.every((t) => t.user_id === keys[0].user_id && keys[0].user_id !== emu.apiKeys('demo')[0].user_id)).toBe(true);
      expect(tasks.map((t) => t.id).some((id) => emu.tasks('demo').some((d) => d.id === id))).toBe(false);
    }
  });
});

describe('many users (the users option)', () => {
  it('adds user0001..userN, each seeing only its own keys, logs and tasks, and leaves the fixed users as they were', async () => {
    const many = createEmulator({ now: NOW, logsPerUser: LOGS, users: 30 });
    const url = await many.listen();
    try {
      expect(many.users.map((u) => u.username)).toEqual(['demo', 'admin', 'newbie', ...Array.from({ length: 30 }, (_, i) => `user${String(i + 1).padStart(4, '0')}`)]);
      expect(new Set(many.users.map((u) => u.accessKey)).size).toBe(33);
      // the fixed users keep their credentials and data
      expect(many.demoAccessKey).toBe(emu.demoAccessKey);
      expect(plain(many.apiKeys('demo'))).toEqual(plain(emu.apiKeys('demo')));
      const seenKeyIds = new Set<number>();
      const seenUserIds = new Set<number>();
      for (const { username, accessKey } of many.users.slice(3)) {
        const get = async (path: string) => (await call(path, accessKey, {}, url)).json() as Promise<{ success: boolean; data: any }>;
        expect((await get('/yescale/user')).data.username).toBe(username);
        const keys: WireToken[] = (await get('/yescale/apikeylist')).data;
        expect(keys.length).toBeGreaterThan(0);
        for (const k of keys) {
          expect(seenKeyIds.has(k.id)).toBe(false);
          seenKeyIds.add(k.id);
        }
        const userId = keys[0].user_id;
        expect(seenUserIds.has(userId)).toBe(false);
        seenUserIds.add(userId);
        const logs = (await get('/yescale/logs?page_size=100')).data as { items: WireLog[]; total: number };
        expect(logs.total).toBe(many.logCount(username));
        expect(logs.items.length).toBeGreaterThan(0);
        expect(logs.items.every((l) => l.username === username)).toBe(true);
        const tasks: WireTask[] = (await get(`/yescale/task?start_timestamp=0&end_timestamp=${NOW}`)).data;
        expect(tasks.length).toBeGreaterThan(0);
        expect(tasks.every((t) => t.user_id === userId)).toBe(true);
      }
    } finally {
      await many.close();
    }
  });

  it('derives every generated credential from the seed', () => {
    const keys = (seed: number) => createEmulator({ now: NOW, logsPerUser: 10, users: 5, seed }).users.map((u) => u.accessKey);
    expect(keys(3)).toEqual(keys(3));
    expect(keys(3).slice(3).some((k, i) => k === keys(4)[3 + i])).toBe(false);
  });

  it.each([-1, 1.5, 10_001, Number.NaN])('refuses users: %s with a line naming the option', (users) => {
    expect(() => createEmulator({ now: NOW, logsPerUser: 10, users })).toThrow(/users must be an integer from 0 to 10000/);
  });
});

describe('determinism', () => {
  it('gives byte-identical answers for the same seed and now, different ones for another seed', async () => {
    const a = createEmulator({ now: NOW, speed: 0, logsPerUser: 2_000, seed: 7 });
    const b = createEmulator({ now: NOW, speed: 0, logsPerUser: 2_000, seed: 7 });
    const c = createEmulator({ now: NOW, speed: 0, logsPerUser: 2_000, seed: 8 });
    const [ua, ub, uc] = await Promise.all([a.listen(), b.listen(), c.listen()]);
    try {
      expect(a.demoAccessKey).toBe(b.demoAccessKey);
      expect(a.demoAccessKey).not.toBe(c.demoAccessKey);
      for (const path of ['/yescale/user', '/yescale/apikeylist', `/yescale/task?start_timestamp=0&end_timestamp=${NOW}`, '/yescale/logs?type=2&model_name=gpt%25']) {
        const [ta, tb, tc] = await Promise.all([
          call(path, a.demoAccessKey, {}, ua).then((r) => r.text()),
          call(path, b.demoAccessKey, {}, ub).then((r) => r.text()),
          call(path, c.demoAccessKey, {}, uc).then((r) => r.text()),
        ]);
        expect(ta.length).toBeGreaterThan(50);
        expect(ta).toBe(tb);
        expect(ta).not.toBe(tc);
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

describe('stats', () => {
  it('counts every /yescale request with its query, not the control surface', async () => {
    emu.resetStats();
    await json('/yescale/user');
    await json('/yescale/logs?p=2&type=2');
    await json('/yescale/logs', null);
    await json('/yescale/unknown');
    const viaHttp = await (await fetch(`${base}/__emulator/stats`)).json();
    const s = emu.stats();
    expect(viaHttp).toEqual(s);
    expect(s.total).toBe(4);
    expect(s.byPath).toEqual({ '/yescale/user': 1, '/yescale/logs': 2, '/yescale/unknown': 1 });
    expect(s.requests[1]).toEqual({ path: '/yescale/logs', query: { p: '2', type: '2' } });
    emu.resetStats();
    expect(emu.stats()).toEqual({ total: 0, byPath: {}, requests: [], maxInFlight: 0 });
  });
});

describe('faults', () => {
  const normalUser = () => JSON.stringify(emu.user('demo'));
  const withFault = async (f: Fault, run: () => Promise<void>) => {
    emu.setFault(f);
    try {
      await run();
    } finally {
      emu.setFault(null);
    }
  };

  it('latency delays a normal answer', async () => {
    await withFault({ mode: 'latency', latencyMs: 150 }, async () => {
      const t0 = Date.now();
      const { status, body } = await json('/yescale/user');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(status).toBe(200);
      expect(JSON.stringify(body.data)).toBe(normalUser());
    });
  });

  it('http500/502/503 answer that status with an HTML body', async () => {
    for (const [mode, status] of [['http500', 500], ['http502', 502], ['http503', 503]] as const) {
      await withFault({ mode }, async () => {
        const res = await call('/yescale/user');
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain('text/html');
        expect(await res.text()).toContain(String(status));
      });
    }
  });

  it('http429 has an empty body and no Retry-After', async () => {
    await withFault({ mode: 'http429' }, async () => {
      const res = await call('/yescale/logs');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.text()).toBe('');
    });
  });

  it('reset drops the connection without an answer', async () => {
    await withFault({ mode: 'reset' }, async () => {
      await expect(call('/yescale/user')).rejects.toThrow();
    });
  });

  it('hang never answers (until close)', async () => {
    await withFault({ mode: 'hang' }, async () => {
      await expect(call('/yescale/user', emu.demoAccessKey, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    });
  });

  it('truncated promises the full length and sends half', async () => {
    await withFault({ mode: 'truncated' }, async () => {
      const res = await call('/yescale/user');
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify({ data: emu.user('demo'), message: '', success: true })));
      await expect(res.text()).rejects.toThrow();
    });
  });

  it('nonJson answers 200 with an HTML page', async () => {
    await withFault({ mode: 'nonJson' }, async () => {
      const res = await call('/yescale/user');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toMatch(/^<html>/);
    });
  });

  it('wrongShape answers valid JSON of the wrong shape', async () => {
    await withFault({ mode: 'wrongShape' }, async () => {
      expect(await json('/yescale/logs')).toEqual({ status: 200, body: { success: true, data: 'oops' } });
    });
  });

  it('invalidToken answers success:false', async () => {
    await withFault({ mode: 'invalidToken' }, async () => {
      const { status, body } = await json('/yescale/user');
      expect(status).toBe(200);
      expect(body).toEqual({ success: false, message: '无效的令牌 (access token invalid)' });
    });
  });

  it('slowDrip sends the normal body a few bytes at a time', async () => {
    await withFault({ mode: 'slowDrip', dripMs: 2 }, async () => {
      const res = await call('/yescale/user');
      const body = await res.json();
      expect(JSON.stringify(body.data)).toBe(normalUser());
    });
    await withFault({ mode: 'slowDrip', dripMs: 200 }, async () => {
      const res = await call('/yescale/user', emu.demoAccessKey, { signal: AbortSignal.timeout(400) });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
    });
  });

  it('count, path and rate select which requests fail; faulted requests are counted', async () => {
    emu.resetStats();
    await withFault({ mode: 'http503', count: 2 }, async () => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call('/yescale/user').then(async (r) => (await r.arrayBuffer(), r.status))));
      expect(statuses).toEqual([503, 503, 200, 200]);
    });
    expect(emu.stats().total).toBe(4);
    await withFault({ mode: 'http502', path: '/yescale/logs' }, async () => {
      expect((await json('/yescale/user')).status).toBe(200);
      const res = await call('/yescale/logs?page_size=1');
      expect(res.status).toBe(502);
      await res.arrayBuffer();
    });
    await withFault({ mode: 'http500', rate: 0.5 }, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await call('/yescale/user');
        await r.arrayBuffer();
        statuses.push(r.status);
      }
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    });
  });

  it('is controllable over HTTP: /__emulator/fault and /__emulator/reset', async () => {
    const set = await fetch(`${base}/__emulator/fault`, { method: 'POST', body: JSON.stringify({ mode: 'http429', count: 1 }) });
    expect(set.status).toBe(200);
    await set.arrayBuffer();
    const r1 = await call('/yescale/user');
    await r1.arrayBuffer();
    expect(r1.status).toBe(429);
    expect((await json('/yescale/user')).status).toBe(200);
    const bad = await fetch(`${base}/__emulator/fault`, { method: 'POST', body: JSON.stringify({ mode: 'explode' }) });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    await (await fetch(`${base}/__emulator/fault`, { method: 'POST', body: JSON.stringify({ mode: 'http500' }) })).arrayBuffer();
    await (await fetch(`${base}/__emulator/reset`, { method: 'POST' })).arrayBuffer();
    expect((await json('/yescale/user')).status).toBe(200);
    expect(emu.stats().total).toBe(1);
  });
});

describe('appendLogs', () => {
  it('puts new logs at index 0, grows total and keeps the sums consistent', async () => {
    const em = createEmulator({ now: NOW, speed: 0, logsPerUser: 300 });
    const url = await em.listen();
    try {
      const before = plain(Array.from({ length: 300 }, (_, i) => em.log('demo', i)));
      const quotaBefore = em.user('demo').quota;
      em.appendLogs('demo', 5);
      expect(em.logCount('demo')).toBe(305);
      const res = await call('/yescale/logs?page_size=1000', em.demoAccessKey, {}, url);
      const { data } = await res.json();
      expect(data.total).toBe(305);
      expect(data.items.slice(5)).toEqual(before);
      for (const l of data.items.slice(0, 5)) expect(l.created_at).toBe(NOW);
      const post = await fetch(`${url}/__emulator/logs`, { method: 'POST', body: JSON.stringify({ username: 'demo', count: 2, at: NOW + 60 }) });
      expect((await post.json()).data.total).toBe(307);
      expect(em.log('demo', 0).created_at).toBe(NOW + 60);
      expect(plain(em.log('demo', 7))).toEqual(before[0]);
      const all = Array.from({ length: 307 }, (_, i) => em.log('demo', i));
      const consume = all.filter((l) => l.type === 2);
      const user = em.user('demo');
      expect(user.used_quota).toBe(sum(consume.map((l) => l.quota)));
      expect(user.request_count).toBe(consume.length);
      expect(user.quota).toBe(quotaBefore - sum(all.slice(0, 7).filter((l) => l.type === 2).map((l) => l.quota)));
      // filtered queries see the new logs too
      const { data: recent } = await (await call(`/yescale/logs?start_timestamp=${NOW}&type=2`, em.demoAccessKey, {}, url)).json();
      expect(recent.total).toBe(all.filter((l) => l.created_at >= NOW && l.type === 2).length);
    } finally {
      await em.close();
    }
  });
});

describe('a million logs', () => {
  it('answers a filtered page correctly without materialising the history', async () => {
    const big = createEmulator({ now: NOW, speed: 0, logsPerUser: 1_000_000 });
    const url = await big.listen();
    try {
      const get = async (q: string) => (await (await call(`/yescale/logs?${q}`, big.demoAccessKey, {}, url)).json()).data;
      expect((await get('page_size=1')).total).toBe(1_000_000);
      expect((await get('page_size=1&p=1000000')).items[0]).toEqual(plain(big.log('demo', 999_999)));

      // a time window around indices 400k..420k; brute force its neighbourhood (created_at is monotonic)
      const end = big.log('demo', 400_000).created_at;
      const start = big.log('demo', 420_000).created_at;
      let lo = 400_000;
      while (lo > 0 && big.log('demo', lo - 1).created_at <= end) lo--;
      let hi = 420_000;
      while (hi + 1 < 1_000_000 && big.log('demo', hi + 1).created_at >= start) hi++;
      const expected: WireLog[] = [];
      for (let i = lo; i <= hi; i++) {
        const l = big.log('demo', i);
        if (l.type === 2 && l.model_name.startsWith('claude')) expected.push(plain(l));
      }
      expect(expected.length).toBeGreaterThan(500);
      const page = await get(`type=2&model_name=claude%25&start_timestamp=${start}&end_timestamp=${end}&page_size=200&p=3`);
      expect(page.total).toBe(expected.length);
      expect(page.items).toEqual(expected.slice(400, 600));
    } finally {
      await big.close();
    }
  });
});
