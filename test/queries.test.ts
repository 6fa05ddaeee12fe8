/** Every root field, filter argument and join, over loopback against the emulator, checked against its data. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDITS_PER_USD } from '../src/schema/scalars.js';
import type { WireLog } from '../src/upstream/wire.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const iso = (unix: number) => new Date(unix * 1000).toISOString();
const LOG_TYPES = ['UNKNOWN', 'TOPUP', 'CONSUME', 'MANAGE', 'SYSTEM', 'ERROR', 'REFUND'];

/** Brute force over the emulator's own data: the entries a filter must return, newest first. */
function expectedLogs(predicate: (log: WireLog) => boolean): WireLog[] {
  const out: WireLog[] = [];
  const n = h.emulator.logCount('demo');
  for (let i = 0; i < n; i++) {
    const log = h.emulator.log('demo', i);
    if (predicate(log)) out.push(log);
  }
  return out;
}

describe('me', () => {
  it('returns the profile and balance with USD twins and a masked access token', async () => {
    const res = await h.gql(`{ me { username displayName email role quota quotaUsd usedQuota usedQuotaUsd requestCount accessToken } }`);
    expect(res.errors).toBeUndefined();
    const wire = h.emulator.user('demo');
    expect(res.data.me).toMatchObject({
      username: wire.username,
      displayName: wire.display_name,
      quota: wire.quota,
      quotaUsd: wire.quota / CREDITS_PER_USD,
      usedQuota: wire.used_quota,
      usedQuotaUsd: wire.used_quota / CREDITS_PER_USD,
      requestCount: wire.request_count,
    });
    expect(wire.quota).toBeGreaterThan(2 ** 31);
    expect(res.data.me.accessToken).toBe(`${wire.access_token!.slice(0, 4)}…${wire.access_token!.slice(-4)}`);
  });
});

describe('apiKeys', () => {
  it('lists every key with mapped statuses, dates and masked values', async () => {
    const res = await h.gql(`{ apiKeys { id upstreamId name key status createdAt expiresAt remainQuota unlimitedQuota usedQuota modelLimits allowIps group } }`);
    expect(res.errors).toBeUndefined();
    const wire = h.emulator.apiKeys('demo');
    expect(res.data.apiKeys).toHaveLength(wire.length);
    const statuses = ['UNKNOWN', 'ENABLED', 'DISABLED', 'EXPIRED', 'EXHAUSTED'];
    for (const [i, key] of res.data.apiKeys.entries()) {
      const w = wire[i];
      expect(key.upstreamId).toBe(w.id);
      expect(key.name).toBe(w.name);
      expect(key.status).toBe(statuses[w.status] ?? 'UNKNOWN');
      expect(key.key).toBe(`sk-${w.key.slice(0, 4)}…${w.key.slice(-4)}`);
      expect(key.createdAt).toBe(iso(w.created_time));
      expect(key.expiresAt).toBe(w.expired_time === -1 ? null : iso(w.expired_time));
      expect(key.usedQuota).toBe(w.used_quota);
      expect(key.modelLimits).toEqual(w.model_limits ? w.model_limits.split(',') : []);
    }
    expect(new Set(res.data.apiKeys.map((k: any) => k.status))).toEqual(new Set(['ENABLED', 'DISABLED', 'EXPIRED', 'EXHAUSTED']));
  });

  it('passes keyword and token filters to the upstream, stripping the sk- prefix', async () => {
    const wire = h.emulator.apiKeys('demo');
    const target = wire[3];
    const res = await h.gql(`query($k: String, $t: String) { byName: apiKeys(filter: { keyword: $k }) { name } byKey: apiKeys(filter: { token: $t }) { name } }`, {
      k: target.name.slice(1, 5),
      t: `sk-${target.key.slice(10, 30)}`,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.byName.map((k: any) => k.name)).toEqual(wire.filter((k) => k.name.includes(target.name.slice(1, 5))).map((k) => k.name));
    expect(res.data.byKey.map((k: any) => k.name)).toEqual([target.name]);
    const queries = h.emulator.stats().requests.map((r) => r.query);
    expect(queries).toContainEqual({ keyword: target.name.slice(1, 5) });
    expect(queries).toContainEqual({ token: target.key.slice(10, 30) });
  });

  it('finds one key by global ID or upstream id, and null for a key the caller does not have', async () => {
    const wire = h.emulator.apiKeys('demo')[2];
    const list = await h.gql(`{ apiKeys { id upstreamId } }`);
    const globalId = list.data.apiKeys.find((k: any) => k.upstreamId === wire.id).id;
    const res = await h.gql(`query($g: ID!, $n: ID!) { a: apiKey(id: $g) { name } b: apiKey(id: $n) { name } c: apiKey(id: "999999") { name } }`, {
      g: globalId,
      n: String(wire.id),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: { name: wire.name }, b: { name: wire.name }, c: null });
  });

  it('reveals full keys only when the server is started with revealSecrets', async () => {
    const reveal = await startHarness({ revealSecrets: true }, { logsPerUser: 100 });
    try {
      const res = await reveal.gql(`{ me { accessToken } apiKeys { key } }`);
      expect(res.data.me.accessToken).toBe(reveal.emulator.user('demo').access_token);
      expect(res.data.apiKeys[0].key).toBe(`sk-${reveal.emulator.apiKeys('demo')[0].key}`);
    } finally {
      await reveal.close();
    }
  });
});

describe('tasks', () => {
  const all = () => h.emulator.tasks('demo');

  it('returns the tasks submitted in the window, with progress as a number', async () => {
    const tasks = all();
    const times = tasks.map((t) => t.submit_time).sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 4)];
    const to = times[Math.floor((times.length * 3) / 4)];
    const res = await h.gql(`query($f: DateTime!, $t: DateTime!) { tasks(filter: { from: $f, to: $t }) { upstreamId taskId platform action status progress submittedAt quota quotaUsd data } }`, {
      f: iso(from),
      t: iso(to),
    });
    expect(res.errors).toBeUndefined();
    const expected = tasks.filter((t) => t.submit_time >= from && t.submit_time <= to);
    expect(res.data.tasks.map((t: any) => t.upstreamId).sort()).toEqual(expected.map((t) => t.id).sort());
    for (const task of res.data.tasks) {
      const w = expected.find((t) => t.id === task.upstreamId)!;
      expect(task.progress).toBe(Number.parseFloat(w.progress));
      expect(task.submittedAt).toBe(iso(w.submit_time));
      expect(task.quotaUsd).toBe(w.quota / CREDITS_PER_USD);
    }
    expect(h.emulator.stats().requests.at(-1)!.query).toEqual({ start_timestamp: String(from), end_timestamp: String(to) });
  });

  it('filters by platform, status and action in the gateway with one upstream call', async () => {
    const sample = all().find((t) => t.status === 'SUCCESS')!;
    const res = await h.gql(
      `query($p: String, $s: TaskStatus, $a: String) {
        byPlatform: tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", platform: $p }) { platform }
        byStatus: tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", status: $s }) { status }
        byAction: tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", action: $a }) { action }
      }`,
      { p: sample.platform, s: 'SUCCESS', a: sample.action },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.byPlatform).toHaveLength(all().filter((t) => t.platform === sample.platform).length);
    expect(res.data.byStatus).toHaveLength(all().filter((t) => t.status === 'SUCCESS').length);
    expect(res.data.byAction).toHaveLength(all().filter((t) => t.action === sample.action).length);
    expect(h.calls()['/yescale/task']).toBe(1);
  });
});

describe('Task.logs', () => {
  it('finds the entry that bills each task, with one logs call per task window', async () => {
    const failed = h.emulator.tasks('demo').filter((t) => t.status === 'FAILURE');
    expect(failed.length).toBeGreaterThan(1);
    const res = await h.gql(`{ tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", status: FAILURE }) { taskId submittedAt quota logs { type content createdAt quota } } }`);
    expect(res.errors).toBeUndefined();
    for (const task of res.data.tasks) {
      // the charge (matched by quota and time: it does not name the task) and the YEScale-era refund (SYSTEM text naming it)
      expect(task.logs).toContainEqual({ type: 'CONSUME', content: expect.not.stringContaining(task.taskId), createdAt: task.submittedAt, quota: task.quota });
      expect(task.logs.filter((l: any) => l.type === 'SYSTEM' && l.content.includes(task.taskId))).toHaveLength(1);
    }
    expect(h.calls()).toEqual({ '/yescale/task': 1, '/yescale/logs': failed.length });
  });
});

describe('logs', () => {
  const query = `query($filter: LogFilter, $first: Int, $after: String) {
    logs(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id createdAt type tokenName modelName quota promptTokens completionTokens useTime isStream cacheTokens firstResponseMs modelRatio other } }
    }
  }`;

  it('pages newest first through cursors, matching the upstream entries one by one', async () => {
    let after: string | null = null;
    const seen: any[] = [];
    for (let page = 0; page < 3; page++) {
      const res: any = await h.gql(query, { first: 7, after });
      expect(res.errors).toBeUndefined();
      expect(res.data.logs.totalCount).toBe(h.emulator.logCount('demo'));
      expect(res.data.logs.pageInfo.hasPreviousPage).toBe(page > 0);
      seen.push(...res.data.logs.edges.map((e: any) => e.node));
      after = res.data.logs.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(21);
    seen.forEach((node, i) => {
      const w = h.emulator.log('demo', i);
      expect(node.createdAt).toBe(iso(w.created_at));
      expect(node.type).toBe(LOG_TYPES[w.type]);
      expect(node.modelName).toBe(w.model_name);
      expect(node.quota).toBe(w.quota);
      // text-only entries (top-ups, system, manage) have other "" upstream: null here
      const other = w.other ? JSON.parse(w.other) : null;
      expect(node.other).toEqual(other);
      expect(node.cacheTokens).toBe(other?.cache_tokens ?? null);
    });
    expect(new Set(seen.map((n) => n.id)).size).toBe(21);
  });

  it('gives the same id to the same entry across requests and offsets', async () => {
    const a = await h.gql(query, { first: 10 });
    const b = await h.gql(query, { first: 5, after: a.data.logs.edges[2].cursor });
    expect(b.data.logs.edges.map((e: any) => e.node.id)).toEqual(a.data.logs.edges.slice(3, 8).map((e: any) => e.node.id));
  });

  it.each([
    ['type', { type: 'TOPUP' }, (l: WireLog) => l.type === 1],
    ['tokenName', { tokenName: 'prod-backend' }, (l: WireLog) => l.token_name === 'prod-backend'],
    ['modelName (underscore is literal)', { modelName: 'gpt-4o_mini-legacy' }, (l: WireLog) => l.model_name === 'gpt-4o_mini-legacy'],
    ['modelName', { modelName: 'deepseek-chat' }, (l: WireLog) => l.model_name === 'deepseek-chat'],
    ['username (own)', { username: 'demo' }, () => true],
    ['username (someone else)', { username: 'alice' }, () => false],
  ])('filters by %s through the upstream', async (_name, filter, predicate) => {
    const expected = expectedLogs(predicate);
    const res = await h.gql(query, { filter, first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data.logs.totalCount).toBe(expected.length);
    expect(res.data.logs.edges.map((e: any) => e.node.createdAt)).toEqual(expected.slice(0, 5).map((l) => iso(l.created_at)));
  });

  it('filters by a time window (inclusive) combined with type', async () => {
    const newest = h.emulator.log('demo', 0).created_at;
    const from = newest - 3 * 86_400;
    const to = newest - 86_400;
    const expected = expectedLogs((l) => l.type === 2 && l.created_at >= from && l.created_at <= to);
    const res = await h.gql(query, { filter: { type: 'CONSUME', from: iso(from), to: iso(to) }, first: 3 });
    expect(res.errors).toBeUndefined();
    expect(res.data.logs.totalCount).toBe(expected.length);
    expect(res.data.logs.edges.map((e: any) => e.node.createdAt)).toEqual(expected.slice(0, 3).map((l) => iso(l.created_at)));
    expect(h.emulator.stats().requests.at(-1)!.query).toMatchObject({ type: '2', start_timestamp: String(from), end_timestamp: String(to) });
  });

  it('answers totalCount with first: 0 and reports no next page at the end', async () => {
    const count = await h.gql(`{ logs(first: 0, filter: { tokenName: "prod-backend", type: REFUND }) { totalCount edges { cursor } pageInfo { hasNextPage } } }`);
    const expected = expectedLogs((l) => l.token_name === 'prod-backend' && l.type === 6).length;
    expect(count.data.logs).toEqual({ totalCount: expected, edges: [], pageInfo: { hasNextPage: expected > 0 } });
    const all = await h.gql(query, { filter: { tokenName: 'prod-backend', type: 'REFUND' }, first: 1000 });
    expect(all.data.logs.edges).toHaveLength(expected);
    expect(all.data.logs.pageInfo.hasNextPage).toBe(false);
  });
});

describe('node', () => {
  it('refetches a User, ApiKey, Task and LogEntry by id', async () => {
    const ids = await h.gql(`{ me { id username } apiKeys { id name } tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }) { id taskId } logs(first: 1) { edges { node { id modelName quota } } } }`);
    const log = ids.data.logs.edges[0].node;
    const res = await h.gql(
      `query($u: ID!, $k: ID!, $t: ID!, $l: ID!) {
        u: node(id: $u) { __typename ... on User { username } }
        k: node(id: $k) { __typename ... on ApiKey { name } }
        t: node(id: $t) { __typename ... on Task { taskId } }
        l: node(id: $l) { __typename ... on LogEntry { modelName quota } }
      }`,
      { u: ids.data.me.id, k: ids.data.apiKeys[4].id, t: ids.data.tasks[2].id, l: log.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      u: { __typename: 'User', username: 'demo' },
      k: { __typename: 'ApiKey', name: ids.data.apiKeys[4].name },
      t: { __typename: 'Task', taskId: ids.data.tasks[2].taskId },
      l: { __typename: 'LogEntry', modelName: log.modelName, quota: log.quota },
    });
  });
});

describe('joins', () => {
  it('resolves User.apiKeys, User.logs, User.tasks and LogEntry.apiKey in one request', async () => {
    const res = await h.gql(`{
      me { username apiKeys(filter: { keyword: "bot" }) { name } logs(first: 3) { edges { node { tokenName apiKey { name upstreamId } } } }
           tasks(filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", status: FAILURE }) { status failReason } }
    }`);
    expect(res.errors).toBeUndefined();
    const keys = h.emulator.apiKeys('demo');
    expect(res.data.me.apiKeys.map((k: any) => k.name)).toEqual(keys.filter((k) => k.name.includes('bot')).map((k) => k.name));
    for (const edge of res.data.me.logs.edges) {
      expect(edge.node.apiKey.name).toBe(edge.node.tokenName);
      expect(keys.find((k) => k.id === edge.node.apiKey.upstreamId)!.name).toBe(edge.node.tokenName);
    }
    expect(res.data.me.tasks.length).toBe(h.emulator.tasks('demo').filter((t) => t.status === 'FAILURE').length);
    expect(res.data.me.tasks.every((t: any) => t.status === 'FAILURE' && t.failReason)).toBe(true);
  });

  it('ApiKey.logs gives each key its own newest entries', async () => {
    const res = await h.gql(`{ apiKeys { name logs(first: 2, filter: { type: CONSUME }) { tokenName createdAt } } }`);
    expect(res.errors).toBeUndefined();
    for (const key of res.data.apiKeys) {
      const expected = expectedLogs((l) => l.token_name === key.name && l.type === 2).slice(0, 2);
      expect(key.logs.map((l: any) => l.createdAt)).toEqual(expected.map((l) => iso(l.created_at)));
    }
  });
});
