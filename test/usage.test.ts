/**
 * Usage analytics against a brute-force recomputation from the emulator's own data: several
 * filters, every dimension, time zones with a DST change in the data's 90 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireLog } from '../src/upstream/wire.js';
import { LOG_TYPES } from '../src/upstream/records.js';
import { Bucketer, isTimeZone } from '../src/usage/time-zone.js';
import { otherNumber } from '../src/usage/aggregate.js';
// Requests go through gateway.fetch (gqlInProcess): the reports run to megabytes and nothing
// between client and gateway is under test here; the upstream stays a real loopback emulator.
import { startHarness, type Harness, allLogs } from './helpers.js';

/** 2025-11-20: the 90 days before hold the end of DST in Europe (Oct 26), the US (Nov 2) and its start on Lord Howe (Oct 5). */
const NOW = Date.UTC(2025, 10, 20, 12) / 1000;
const DIMENSIONS = ['MODEL', 'API_KEY', 'DAY', 'HOUR', 'LOG_TYPE'] as const;
type Dimension = (typeof DIMENSIONS)[number];

let h: Harness;
let logs: WireLog[];
beforeAll(async () => {
  // the latest era: failed tasks are refunded by REFUND entries with quota, so refund and net figures are not all 0
  h = await startHarness({}, { logsPerUser: 5_000, now: NOW, era: 'latest' });
  logs = allLogs(h.emulator);
});
afterAll(() => h.close());

const iso = (unix: number) => new Date(unix * 1000).toISOString();

const formats = new Map<string, Intl.DateTimeFormat>();
const calendars = new Map<string, { day: string; hour: string }>();

/** The local calendar of one instant, straight from Intl, entry by entry. */
function local(unix: number, timeZone: string) {
  const id = `${timeZone}|${unix}`;
  if (calendars.has(id)) return calendars.get(id)!;
  if (!formats.has(timeZone)) {
    formats.set(timeZone, new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', minute: '2-digit', second: '2-digit', hour: '2-digit' }));
  }
  const parts = Object.fromEntries(formats.get(timeZone)!.formatToParts(new Date(unix * 1000)).map((p) => [p.type, p.value]));
  const calendar = { day: `${parts.year}-${parts.month}-${parts.day}`, hour: iso(unix - Number(parts.minute) * 60 - Number(parts.second)) };
  calendars.set(id, calendar);
  return calendar;
}

interface Expected {
  totals: Record<string, number | null>;
  groups: Record<string, unknown>[];
}

function figures(entries: WireLog[]) {
  const other = entries.map((l) => (l.other ? JSON.parse(l.other) : {}));
  const prompt = entries.reduce((s, l) => s + l.prompt_tokens, 0);
  const completion = entries.reduce((s, l) => s + l.completion_tokens, 0);
  const quota = entries.reduce((s, l) => s + (l.type === 2 ? l.quota : 0), 0);
  const refund = entries.reduce((s, l) => s + (l.type === 6 ? l.quota : 0), 0);
  const frts = other.filter((o) => typeof o.frt === 'number').map((o) => o.frt as number);
  return {
    requests: entries.length,
    promptTokens: prompt,
    completionTokens: completion,
    cacheTokens: other.reduce((s, o) => s + (o.cache_tokens ?? 0), 0),
    totalTokens: prompt + completion,
    quota,
    quotaUsd: quota / 500_000,
    refundQuota: refund,
    refundQuotaUsd: refund / 500_000,
    netQuota: quota - refund,
    netQuotaUsd: (quota - refund) / 500_000,
    averageFirstResponseMs: frts.length ? frts.reduce((a, b) => a + b, 0) / frts.length : null,
  };
}

/** The report recomputed from every entry of the emulator. */
function expected(match: (l: WireLog) => boolean, groupBy: Dimension[], timeZone: string): Expected {
  const entries = logs.filter(match);
  const groups = new Map<string, { key: Record<string, unknown>; entries: WireLog[] }>();
  const bucketed = groupBy.includes('DAY') || groupBy.includes('HOUR');
  for (const l of entries) {
    const cal = bucketed ? local(l.created_at, timeZone) : { day: '', hour: '' };
    const key = {
      model: groupBy.includes('MODEL') ? l.model_name : null,
      tokenName: groupBy.includes('API_KEY') ? l.token_name : null,
      day: groupBy.includes('DAY') ? cal.day : null,
      hour: groupBy.includes('HOUR') ? cal.hour : null,
      logType: groupBy.includes('LOG_TYPE') ? LOG_TYPES[l.type] : null,
    };
    const id = JSON.stringify(key);
    if (!groups.has(id)) groups.set(id, { key, entries: [] });
    groups.get(id)!.entries.push(l);
  }
  const field = { MODEL: 'model', API_KEY: 'tokenName', DAY: 'day', HOUR: 'hour', LOG_TYPE: 'logType' } as const;
  const rank = (g: Record<string, unknown>, d: Dimension) => (d === 'LOG_TYPE' ? LOG_TYPES.indexOf(g.logType as never) : (g[field[d]] as string));
  const list = [...groups.values()].map((g) => ({ ...g.key, ...figures(g.entries) }));
  list.sort((a, b) => {
    for (const d of groupBy) {
      const x = rank(a, d);
      const y = rank(b, d);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  // grouped by nothing: totals only
  return { totals: figures(entries), groups: groupBy.length === 0 ? [] : list };
}

const FIGURES = 'requests promptTokens completionTokens cacheTokens totalTokens quota quotaUsd refundQuota refundQuotaUsd netQuota netQuotaUsd averageFirstResponseMs';
const REPORT = `timeZone totals { ${FIGURES} } groups { model tokenName day hour logType ${FIGURES} }`;

describe('usage equals a brute-force recomputation', () => {
  it('has refunds to count: REFUND entries with quota, and other types whose quota is neither spend nor refund', () => {
    expect(logs.filter((l) => l.type === 6 && l.quota > 0).length).toBeGreaterThan(2);
    expect(new Set(logs.map((l) => l.type))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  const newest = () => logs[0].created_at;
  const filters: [string, () => Record<string, unknown>, (l: WireLog) => boolean][] = [
    ['default (CONSUME)', () => ({}), (l) => l.type === 2],
    ['every type', () => ({ type: null }), () => true],
    ['REFUND only', () => ({ type: 'REFUND' }), (l) => l.type === 6],
    ['one key, ERROR', () => ({ tokenName: 'prod-backend', type: 'ERROR' }), (l) => l.token_name === 'prod-backend' && l.type === 5],
    ['a model with an underscore', () => ({ modelName: 'gpt-4o_mini-legacy' }), (l) => l.model_name === 'gpt-4o_mini-legacy' && l.type === 2],
    [
      'a window across the US DST change',
      () => ({ from: iso(Date.UTC(2025, 10, 1) / 1000), to: iso(Date.UTC(2025, 10, 4) / 1000) }),
      (l) => l.type === 2 && l.created_at >= Date.UTC(2025, 10, 1) / 1000 && l.created_at <= Date.UTC(2025, 10, 4) / 1000,
    ],
    ['the last day, every type', () => ({ from: iso(newest() - 86_400), type: null }), (l) => l.created_at >= newest() - 86_400],
  ];
  const groupings: Dimension[][] = [[], ...DIMENSIONS.map((d) => [d]), ['DAY', 'MODEL'], ['API_KEY', 'LOG_TYPE', 'HOUR'], ['MODEL', 'API_KEY', 'DAY', 'HOUR', 'LOG_TYPE']];
  const zones = ['UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

  it.each(filters)('%s: every dimension in four time zones, one walk per request', async (_name, filter, match) => {
    for (const groupBy of groupings) {
      const fields = zones.map((zone, z) => `z${z}: usage(filter: $filter, groupBy: [${groupBy.join(', ')}], timeZone: "${zone}") { ${REPORT} }`);
      h.reset();
      const res = await h.gqlInProcess(`query($filter: UsageFilter!) { ${fields.join('\n')} }`, { filter: filter() });
      expect(res.errors).toBeUndefined();
      zones.forEach((zone, z) => {
        const want = expected(match, groupBy, zone);
        const got = res.data[`z${z}`];
        expect(got.timeZone).toBe(zone);
        expect(got.totals).toEqual(want.totals);
        expect(got.groups).toEqual(want.groups);
      });
      // 5,000 entries fit one upstream page: the four reports came from one call
      expect(h.calls()).toEqual({ '/yescale/logs': 1 });
    }
  });

  it('counts a day in the local calendar: New York\'s 2 November 2025 has 25 hours', async () => {
    const res = await h.gqlInProcess(`{ usage(filter: { type: null }, groupBy: [DAY], timeZone: "America/New_York") { groups { day requests } } }`);
    const day = res.data.usage.groups.find((g: any) => g.day === '2025-11-02');
    // 00:00 EDT is 04:00Z; 00:00 EST the next day is 05:00Z
    const inDay = logs.filter((l) => l.created_at >= Date.UTC(2025, 10, 2, 4) / 1000 && l.created_at < Date.UTC(2025, 10, 3, 5) / 1000);
    expect(day.requests).toBe(inDay.length);
  });
});

describe('usage of users and API keys', () => {
  it('User.usage is the caller\'s; ApiKey.usage over every key is one walk, split by key name', async () => {
    h.reset();
    const res = await h.gqlInProcess(`{ me { usage(filter: {}, groupBy: [MODEL]) { totals { requests quota } } } apiKeys { name usage(filter: { type: null }, groupBy: [LOG_TYPE]) { ${REPORT} } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.me.usage.totals).toEqual({ requests: logs.filter((l) => l.type === 2).length, quota: figures(logs.filter((l) => l.type === 2)).quota });
    expect(res.data.apiKeys.length).toBeGreaterThan(5);
    for (const key of res.data.apiKeys) {
      const want = expected((l) => l.token_name === key.name, ['LOG_TYPE'], 'UTC');
      expect(key.usage.totals).toEqual(want.totals);
      expect(key.usage.groups).toEqual(want.groups);
    }
    // one walk for me.usage (CONSUME) and one for every key (all types), none per key
    expect(h.calls()).toEqual({ '/yescale/user': 1, '/yescale/apikeylist': 1, '/yescale/logs': 2 });
    expect(h.emulator.stats().requests.filter((r) => r.path === '/yescale/logs').map((r) => r.query.token_name)).toEqual([undefined, undefined]);
  });

  it('a group\'s apiKey is the key of that name, in one call for every group', async () => {
    h.reset();
    const res = await h.gqlInProcess(`{ usage(filter: {}, groupBy: [API_KEY]) { groups { tokenName apiKey { name upstreamId } } } }`);
    const keys = h.emulator.apiKeys('demo');
    for (const group of res.data.usage.groups) {
      const key = keys.find((k) => k.name === group.tokenName);
      expect(group.apiKey).toEqual(key ? { name: key.name, upstreamId: key.id } : null);
    }
    expect(h.calls()).toEqual({ '/yescale/logs': 1, '/yescale/apikeylist': 1 });
  });
});

describe('bad input and failures', () => {
  it.each([
    ['an unknown time zone', `{ usage(filter: {}, groupBy: [DAY], timeZone: "Mars/Olympus") { timeZone } }`, 'timeZone'],
    ['UNKNOWN type', `{ usage(filter: { type: UNKNOWN }, groupBy: []) { timeZone } }`, 'filter.type'],
    ['from after to', `{ usage(filter: { from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }, groupBy: []) { timeZone } }`, 'filter.from'],
    ['tokenName on ApiKey.usage', `{ apiKeys { usage(filter: { tokenName: "x" }, groupBy: []) { timeZone } } }`, 'filter.tokenName'],
  ])('%s is BAD_USER_INPUT naming the argument, before any upstream log call', async (_name, query, argument) => {
    h.reset();
    const res = await h.gqlInProcess(query);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(h.calls()['/yescale/logs']).toBeUndefined();
  });

  it('an upstream failure in the middle of a walk is a coded error on the usage field only', async () => {
    const clamped = await startHarness({ logPageConcurrency: 2 }, { logsPerUser: 2_000, now: NOW, maxPageSize: 100 });
    try {
      clamped.emulator.setFault({ mode: 'wrongShape', path: '/yescale/logs', rate: 0.3 });
      const res = await clamped.gqlInProcess(`{ me { username } usage(filter: {}, groupBy: [DAY]) { totals { requests } } }`);
      expect(res.data).toEqual({ me: { username: 'demo' }, usage: null });
      expect(res.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([[['usage'], 'UPSTREAM_BAD_RESPONSE']]);
    } finally {
      await clamped.close();
    }
  });
});

describe('walking many pages', () => {
  it('follows a clamped page size, fetches pages concurrently within the limit, and still equals the brute force', async () => {
    const clamped = await startHarness({ logPageConcurrency: 3 }, { logsPerUser: 3_000, now: NOW, maxPageSize: 100 });
    try {
      const all = allLogs(clamped.emulator);
      clamped.emulator.setFault({ mode: 'latency', latencyMs: 5, path: '/yescale/logs' });
      const saved = logs;
      logs = all;
      try {
        const res = await clamped.gqlInProcess(`{ usage(filter: { type: null }, groupBy: [DAY, MODEL], timeZone: "Europe/Paris") { ${REPORT} } }`);
        expect(res.errors).toBeUndefined();
        const want = expected(() => true, ['DAY', 'MODEL'], 'Europe/Paris');
        expect(res.data.usage.totals).toEqual(want.totals);
        expect(res.data.usage.groups).toEqual(want.groups);
      } finally {
        logs = saved;
      }
      const stats = clamped.emulator.stats();
      const pages = stats.requests.filter((r) => r.path === '/yescale/logs');
      // page 1 at the asked size, then 100-entry pages of the listing older than page 1's newest second
      expect(pages[0].query).toMatchObject({ p: '1', page_size: '10000' });
      expect(pages.slice(1).every((r) => r.query.page_size === '100')).toBe(true);
      expect(pages.length).toBeGreaterThanOrEqual(30);
      expect(pages.length).toBeLessThanOrEqual(32);
      expect(stats.maxInFlight).toBeGreaterThan(1);
      expect(stats.maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      await clamped.close();
    }
  });
});

describe('time-zone buckets', () => {
  const at = (isoTime: string) => Date.parse(isoTime) / 1000;
  it.each([
    ['America/New_York', '2025-11-02T03:59:59Z', '2025-11-01', '2025-11-02T03:00:00.000Z'],
    ['America/New_York', '2025-11-02T04:00:00Z', '2025-11-02', '2025-11-02T04:00:00.000Z'],
    ['America/New_York', '2025-11-02T05:30:00Z', '2025-11-02', '2025-11-02T05:00:00.000Z'], // 01:30 EDT
    ['America/New_York', '2025-11-02T06:30:00Z', '2025-11-02', '2025-11-02T06:00:00.000Z'], // 01:30 EST
    ['America/New_York', '2025-11-03T04:59:59Z', '2025-11-02', '2025-11-03T04:00:00.000Z'],
    ['America/New_York', '2025-11-03T05:00:00Z', '2025-11-03', '2025-11-03T05:00:00.000Z'],
    ['Asia/Kolkata', '2025-11-01T18:29:59Z', '2025-11-01', '2025-11-01T17:30:00.000Z'],
    ['Asia/Kolkata', '2025-11-01T18:30:00Z', '2025-11-02', '2025-11-01T18:30:00.000Z'],
    ['Australia/Lord_Howe', '2025-10-04T15:29:59Z', '2025-10-05', '2025-10-04T14:30:00.000Z'], // 01:59:59 +10:30
    ['Australia/Lord_Howe', '2025-10-04T15:30:00Z', '2025-10-05', '2025-10-04T15:00:00.000Z'], // 02:30 +11: the hour began at 02:00 local
    ['UTC', '2025-11-20T23:59:59Z', '2025-11-20', '2025-11-20T23:00:00.000Z'],
  ])('%s at %s is day %s, hour %s', (zone, time, day, hour) => {
    const bucket = new Bucketer(zone).at(at(time));
    expect(bucket.day).toBe(day);
    expect(iso(bucket.hour)).toBe(hour);
  });

  it('knows IANA zone names and refuses others', () => {
    expect(['UTC', 'utc', 'Asia/Ho_Chi_Minh', 'Asia/Saigon', 'Etc/GMT+7'].map(isTimeZone)).toEqual([true, true, true, true, true]);
    expect(['Mars/Olympus', '', 'x'.repeat(65), '+07:00'].map(isTimeZone)).toEqual([false, false, false, false]);
  });

  it('reads numbers from the other JSON string as JSON.parse would', () => {
    for (const l of logs.slice(0, 500)) {
      const parsed = l.other ? JSON.parse(l.other) : {};
      expect(otherNumber(l.other, 'frt')).toBe(parsed.frt ?? null);
      expect(otherNumber(l.other, 'cache_tokens')).toBe(parsed.cache_tokens ?? null);
    }
    expect(otherNumber('{"cache_creation_tokens":5,"cache_tokens": 7}', 'cache_tokens')).toBe(7);
    expect(otherNumber('{"note":"\\"frt\\":9"}', 'frt')).toBeNull();
    expect(otherNumber({ frt: 12 }, 'frt')).toBe(12);
  });
});

describe('Task.logs', () => {
  const task = () => h.emulator.tasks('demo').find((t) => t.status === 'SUCCESS')!;
  const QUERY = `query($from: DateTime!, $to: DateTime!) { tasks(filter: { from: $from, to: $to }) { taskId logs { createdAt type quota content modelName } } }`;
  /** Brute force over the emulator's logs: entries naming the task, and CONSUME entries of its quota within 5 s of submission. */
  const expectedFor = (all: WireLog[], t: { task_id: string; quota: number; submit_time: number; finish_time: number }) =>
    all
      .filter((l) => l.created_at >= t.submit_time - 60 && l.created_at <= Math.max(t.finish_time, t.submit_time) + 60)
      .filter((l) => {
        const other = l.other ? JSON.parse(l.other) : {};
        if (other.task_id === t.task_id || (l.type === 4 && l.content.includes(t.task_id))) return true;
        return l.type === 2 && l.quota === t.quota && Math.abs(l.created_at - t.submit_time) <= 5 && other.task_id === undefined;
      })
      .map((l) => ({ createdAt: iso(l.created_at), type: LOG_TYPES[l.type], quota: l.quota, content: l.content, modelName: l.model_name }));

  it('reads the task\'s window of logs once per window and finds the submission charge, which does not name the task', async () => {
    const t = task();
    h.reset();
    const res = await h.gqlInProcess(QUERY, { from: iso(t.submit_time), to: iso(t.submit_time) });
    expect(res.errors).toBeUndefined();
    const found = res.data.tasks.find((x: any) => x.taskId === t.task_id).logs;
    expect(found).toEqual(expectedFor(logs, t));
    expect(found).toContainEqual(expect.objectContaining({ type: 'CONSUME', quota: t.quota, createdAt: iso(t.submit_time), content: expect.stringContaining(`操作 ${t.action}`) }));
    expect(found.some((e: any) => e.content.includes(t.task_id))).toBe(false);
    const window = h.emulator.stats().requests.filter((r) => r.path === '/yescale/logs');
    expect(window).toHaveLength(1);
    expect(window[0].query).toMatchObject({ start_timestamp: String(t.submit_time - 60), end_timestamp: String(t.finish_time + 60) });
  });

  for (const era of ['yescale', 'latest'] as const) {
    describe(`a failed task (${era} era)`, () => {
      let g: Harness;
      let all: WireLog[];
      beforeAll(async () => {
        g = await startHarness({}, { logsPerUser: 100_000, now: NOW, era }); // dense enough for chat logs in a task's window
        all = allLogs(g.emulator);
      });
      afterAll(() => g.close());

      it('returns its charge and its refund, and no unrelated chat log of its window', async () => {
        const failed = g.emulator.tasks('demo').filter((t) => t.status === 'FAILURE');
        expect(failed.length).toBeGreaterThan(1);
        let chatsSeen = 0;
        for (const t of failed) {
          const res = await g.gqlInProcess(QUERY, { from: iso(t.submit_time), to: iso(t.submit_time) });
          expect(res.errors).toBeUndefined();
          const found = res.data.tasks.find((x: any) => x.taskId === t.task_id).logs;
          expect(found).toEqual(expectedFor(all, t));
          expect(found.filter((e: any) => e.type === 'CONSUME' && e.quota === t.quota && e.createdAt === iso(t.submit_time))).toHaveLength(1);
          const refund = era === 'yescale' ? { type: 'SYSTEM', quota: 0, content: expect.stringContaining(t.task_id) } : { type: 'REFUND', quota: t.quota };
          expect(found.filter((e: any) => e.type !== 'CONSUME')).toEqual([expect.objectContaining(refund)]);
          // the window holds chat logs too; none of them is returned
          const window = all.filter((l) => l.created_at >= t.submit_time - 60 && l.created_at <= t.finish_time + 60);
          const chats = window.filter((l) => l.type === 2 && l.quota !== t.quota);
          for (const chat of chats) expect(found.some((e: any) => e.content === chat.content && e.createdAt === iso(chat.created_at))).toBe(false);
          chatsSeen += chats.length;
        }
        expect(chatsSeen).toBeGreaterThan(0);
      });
    });
  }

  it('matches by task id only in other.task_id or a SYSTEM text, and the charge by quota and time', async () => {
    const { toLog, toTask } = await import('../src/upstream/records.js');
    const { mentionsTask, isTaskCharge } = await import('../src/schema/task.js');
    const entry = (fields: Partial<WireLog>) => toLog({ ...logs[0], type: 2, content: '', other: '', request_id: undefined, ...fields });
    expect(mentionsTask(entry({ type: 4, content: 'Video async task failed 7731, refund $0.35' }), '7731')).toBe(true);
    expect(mentionsTask(entry({ type: 6, other: JSON.stringify({ task_id: 'abc-1', reason: 'x' }) }), 'abc-1')).toBe(true);
    expect(mentionsTask(entry({ type: 2, content: 'task 7731 submitted' }), '7731')).toBe(false);
    expect(mentionsTask(entry({ request_id: 'req-9' }), 'req-9')).toBe(false);
    expect(mentionsTask(entry({ type: 4, content: 'task 7731' }), '7732')).toBe(false);
    expect(mentionsTask(entry({ type: 4, content: 'anything' }), '')).toBe(false);
    const t = toTask({ ...h.emulator.tasks('demo')[0], quota: 50_000, submit_time: 1000 });
    expect(isTaskCharge(entry({ quota: 50_000, created_at: 1005 }), t)).toBe(true);
    expect(isTaskCharge(entry({ quota: 50_000, created_at: 995 }), t)).toBe(true);
    expect(isTaskCharge(entry({ quota: 50_000, created_at: 1006 }), t)).toBe(false);
    expect(isTaskCharge(entry({ quota: 50_001, created_at: 1000 }), t)).toBe(false);
    expect(isTaskCharge(entry({ type: 5, quota: 50_000, created_at: 1000 }), t)).toBe(false);
    expect(isTaskCharge(entry({ quota: 50_000, created_at: 1000, other: JSON.stringify({ task_id: 'other' }) }), t)).toBe(false);
  });
});
