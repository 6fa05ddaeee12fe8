/**
 * Many tenants, one gateway: two users' keys driven concurrently through every shared path
 * (in-flight dedupe across requests, response cache, per-request loaders and joins, lookups
 * by id) never see each other's data, and no secret leaves the gateway unmasked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/gateway.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { logsPerUser: 300 });
});
afterAll(() => h.close());

const WINDOW = `{ from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }`;
/** Every root field and every join, so every loader and shared call is exercised. */
const QUERY = `query Everything($key: ID!, $task: ID!, $log: ID!) {
  me { username accessToken apiKeys { upstreamId key logs(first: 3) { username } } logs(first: 5) { edges { node { username apiKey { upstreamId } } } } tasks(filter: ${WINDOW}) { taskId } }
  apiKeys { upstreamId key }
  apiKey(id: $key) { upstreamId }
  tasks(filter: ${WINDOW}) { taskId }
  logs(first: 20) { totalCount edges { node { id username tokenName } } }
  task: node(id: $task) { id }
  log: node(id: $log) { id }
}`;

describe('two tenants at once', () => {
  it('every cached or deduplicated path answers each caller with its own data only', async () => {
    const [a, b] = h.emulator.users;
    // Each user's own ids, looked up in advance; each user also asks for the OTHER user's ids.
    const ids = async (key: string) => {
      const res = await h.gql(`{ apiKeys { id } tasks(filter: ${WINDOW}) { id } logs(first: 1) { edges { node { id } } } }`, undefined, key);
      return { key: res.data.apiKeys[0].id, task: res.data.tasks[0].id, log: res.data.logs.edges[0].node.id };
    };
    const own = { [a.username]: await ids(a.accessKey), [b.username]: await ids(b.accessKey) };
    const expected = (user: typeof a) => ({
      keyIds: h.emulator.apiKeys(user.username).map((k) => k.id).sort(),
      taskIds: h.emulator.tasks(user.username).map((t) => t.task_id).sort(),
      logCount: h.emulator.logCount(user.username),
      secrets: [user.accessKey, ...h.emulator.apiKeys(user.username).map((k) => k.key)],
    });

    h.emulator.setFault({ mode: 'latency', latencyMs: 40 }); // overlapping calls: dedupe has something to merge
    for (let round = 0; round < 3; round++) {
      // same document, same variables for both users: identical cache and dedupe keys but for the credential
      const runs = Array.from({ length: 16 }, (_, i) => {
        const user = i % 2 ? b : a;
        const other = i % 2 ? a : b;
        const variables = i % 4 < 2 ? own[user.username] : own[other.username];
        return h.gql(QUERY, variables, user.accessKey).then((res) => ({ res, user, asksOwnIds: i % 4 < 2 }));
      });
      for (const { res, user, asksOwnIds } of await Promise.all(runs)) {
        const want = expected(user);
        expect(res.errors).toBeUndefined();
        const d = res.data;
        expect(d.me.username).toBe(user.username);
        expect(d.me.apiKeys.map((k: any) => k.upstreamId).sort()).toEqual(want.keyIds);
        expect(d.apiKeys.map((k: any) => k.upstreamId).sort()).toEqual(want.keyIds);
        expect(d.tasks.map((t: any) => t.taskId).sort()).toEqual(want.taskIds);
        expect(d.me.tasks.map((t: any) => t.taskId).sort()).toEqual(want.taskIds);
        expect(d.logs.totalCount).toBe(want.logCount);
        const logUsers = [...d.logs.edges, ...d.me.logs.edges].map((e: any) => e.node.username);
        logUsers.push(...d.me.apiKeys.flatMap((k: any) => k.logs.map((l: any) => l.username)));
        expect(new Set(logUsers)).toEqual(new Set([user.username]));
        for (const e of d.me.logs.edges) if (e.node.apiKey) expect(want.keyIds).toContain(e.node.apiKey.upstreamId);
        // by id: your own ids resolve, the other user's resolve to null
        if (asksOwnIds) {
          expect(d.apiKey).not.toBeNull();
          expect(d.task).toEqual({ id: own[user.username].task });
          expect(d.log).toEqual({ id: own[user.username].log });
        } else {
          expect([d.apiKey, d.task, d.log]).toEqual([null, null, null]);
        }
        // secrets are masked, and neither user's raw secrets appear anywhere
        const text = JSON.stringify(res);
        for (const secret of [...want.secrets, ...expected(user === a ? b : a).secrets]) expect(text).not.toContain(secret);
        expect(d.me.accessToken).toMatch(/…/);
        for (const k of d.apiKeys) expect(k.key).toMatch(/^sk-.{4}….{4}$/);
      }
    }
  });
});

describe('secrets stay out of errors and call records', () => {
  it('no credential appears in an error, its extensions, or what UpstreamHttp.onCall listeners see', async () => {
    const seen: string[] = [];
    const own = await startHarness({ http: { retries: 0 } }, { logsPerUser: 100 });
    try {
      const secret = own.emulator.demoAccessKey;
      // a gateway of our own on the harness's emulator, to listen to its upstream calls
      const g = createGateway({ upstream: own.upstreamUrl, http: { retries: 0 } });
      g.upstream.onCall((call) => seen.push(JSON.stringify(call)));
      const ask = async (query: string, key = secret) => {
        const res = await g.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        });
        return res.text();
      };
      const bodies: string[] = [];
      for (const mode of ['http500', 'http429', 'nonJson', 'invalidToken', 'reset'] as const) {
        own.emulator.setFault({ mode });
        bodies.push(await ask(`query Q_${mode} { me { username } apiKeys { name } }`));
      }
      own.emulator.setFault(null);
      bodies.push(await ask(`{ me { username } }`, 'sk-NotAKeyOfAnyone123456789'));
      await g.dispose();
      expect(seen.length).toBeGreaterThan(5);
      for (const text of [...bodies, ...seen]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain('sk-NotAKeyOfAnyone123456789');
      }
      expect(bodies.join()).toMatch(/UPSTREAM_UNAVAILABLE|RATE_LIMITED|UNAUTHENTICATED/);
    } finally {
      await own.close();
    }
  });
});
