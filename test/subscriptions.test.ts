/**
 * Subscriptions end to end: the real gateway over loopback, the real emulator, GraphQL over SSE
 * and graphql-ws over WebSocket. Upstream calls are counted by the emulator's stats.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LocalCoordinator } from '../src/live/coordinator.js';
import { createLogger } from '../src/observability/logger.js';
import { startHarness, taskGlobalId, total, type Harness } from './helpers.js';
import { sse, wsClient, wsSubscribe, type Stream } from './live/clients.js';

/** A graphql-ws subscription sent by document hash only. */
const streamOfHash = (client: ReturnType<typeof wsClient>, hash: string, variables: Record<string, unknown>) =>
  wsSubscribe(client, '', variables, { persistedQuery: { version: 1, sha256Hash: hash } });

const TASK = 'subscription($id: ID!) { taskUpdated(id: $id) { id taskId status progress } }';
const BALANCE = 'subscription($below: Credits, $usd: Float) { balance(below: $below, belowUsd: $usd) { username quota } }';
const LOGS = 'subscription($filter: LogFilter) { logAdded(filter: $filter) { createdAt quota modelName username } }';

const codes = (stream: Stream) => stream.events.flatMap((e) => (e.errors ?? []).map((error) => error.extensions?.code));

describe('subscriptions', () => {
  let h: Harness;
  beforeAll(async () => {
    // Polls far apart: only the first poll of a key happens during a test unless it says otherwise.
    h = await startHarness({ live: { minMs: 60_000, maxMs: 60_000, maxPerCredential: 120, maxTotal: 300 } }, { logsPerUser: 300 });
  });
  afterAll(() => h.close());

  it('SSE: a task now, by taskId or by its global ID, from one upstream call for 100 subscribers', async () => {
    const [demo] = h.emulator.users;
    const task = h.emulator.tasks(demo.username).find((t) => t.status !== 'SUCCESS' && t.status !== 'FAILURE')!;
    h.reset();
    const streams = Array.from({ length: 100 }, () => sse(h.server.url, TASK, { id: task.task_id }, demo.accessKey));
    await Promise.all(streams.map((s) => s.next(1)));
    for (const s of streams) expect(s.events[0].data.taskUpdated).toMatchObject({ taskId: task.task_id, status: task.status });
    expect(h.calls()).toEqual({ '/yescale/task': 1 });
    const byId = sse(h.server.url, TASK, { id: streams[0].events[0].data.taskUpdated.id }, demo.accessKey);
    await byId.next(1);
    expect(byId.events[0].data.taskUpdated.taskId).toBe(task.task_id);
    for (const s of [...streams, byId]) s.cancel();
  });

  it('WebSocket: a finished task is one event and the end of the stream', async () => {
    const [demo] = h.emulator.users;
    // by its global ID, which says when it was submitted: the emulator spreads finished tasks over 90 days
    // (seeded by the start time), and a bare taskId is looked for among the last 7 days' only, where
    // about one start in thirty has none of the demo's
    const task = h.emulator.tasks(demo.username).find((t) => t.status === 'SUCCESS' || t.status === 'FAILURE')!;
    expect(task).toBeDefined();
    const client = wsClient(h.server.url, demo.accessKey);
    try {
      const stream = wsSubscribe(client, TASK, { id: taskGlobalId(task) });
      expect(await stream.ended).toBe(true);
      expect(stream.events).toEqual([{ data: { taskUpdated: expect.objectContaining({ taskId: task.task_id, status: task.status }) } }]);
    } finally {
      await client.dispose();
    }
  });

  it('balance: the account when already below the threshold, over both transports; one poll for both', async () => {
    const [demo] = h.emulator.users;
    const quota = h.emulator.user(demo.username).quota;
    h.reset();
    const over = sse(h.server.url, BALANCE, { below: quota + 1 }, demo.accessKey);
    const client = wsClient(h.server.url, demo.accessKey);
    try {
      const ws = wsSubscribe(client, BALANCE, { usd: (quota + 1) / 500_000 });
      await Promise.all([over.next(1), ws.next(1)]);
      expect(over.events[0].data.balance).toEqual({ username: demo.username, quota });
      expect(ws.events[0].data.balance).toEqual({ username: demo.username, quota });
      // a threshold the balance is above: nothing to say, and no second poll of the account
      const under = sse(h.server.url, BALANCE, { below: 1 }, demo.accessKey);
      expect(h.calls()).toEqual({ '/yescale/user': 1 });
      expect(under.events).toEqual([]);
      for (const s of [over, ws, under]) s.cancel();
    } finally {
      await client.dispose();
    }
  });

  it('bad input is refused before any upstream call; an unknown task is NOT_FOUND on the stream', async () => {
    const [demo] = h.emulator.users;
    h.reset();
    const refused = [
      sse(h.server.url, BALANCE, { below: -1 }, demo.accessKey),
      sse(h.server.url, BALANCE, { usd: -0.5 }, demo.accessKey),
      sse(h.server.url, BALANCE, { below: 5, usd: 1 }, demo.accessKey),
      sse(h.server.url, BALANCE, {}, demo.accessKey),
      // an ApiKey's global ID is not a task
      sse(h.server.url, TASK, { id: Buffer.from('ApiKey:1').toString('base64') }, demo.accessKey),
      sse(h.server.url, LOGS, { filter: { from: '2025-01-01T00:00:00Z' } }, demo.accessKey),
      sse(h.server.url, LOGS, { filter: { modelName: 'gpt%' } }, demo.accessKey),
    ];
    for (const s of refused) {
      await s.ended;
      expect(codes(s)).toEqual(['BAD_USER_INPUT']);
    }
    expect(total(h.calls())).toBe(0);
    const unknown = sse(h.server.url, TASK, { id: 'no-such-task' }, demo.accessKey);
    expect(await unknown.ended).toBe(true);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
  });

  it('a bad key ends the stream with UNAUTHENTICATED, over SSE and WebSocket', async () => {
    const bad = sse(h.server.url, BALANCE, { below: 1 }, 'not-a-key');
    expect(await bad.ended).toBe(true);
    expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
    const client = wsClient(h.server.url, 'not-a-key');
    try {
      const ws = wsSubscribe(client, TASK, { id: 'x' });
      expect(await ws.ended).toBe(true);
      expect(codes(ws)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await client.dispose();
    }
  });

  it('a WebSocket from a foreign page is refused at the upgrade', async () => {
    const socket = new WebSocket(`${h.server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(undefined));
    });
    socket.terminate();
    expect(status).toBe(403);
  });
});

describe('subscriptions: logs, tenants, limits, shutdown', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ live: { minMs: 100, maxMs: 200, maxPerCredential: 3, maxTotal: 5 } }, { logsPerUser: 300 });
  });
  afterAll(() => h.close());

  it('logAdded: new entries of the caller only, oldest first, each once, also those arriving in a second already seen', async () => {
    const [a, b] = h.emulator.users;
    h.reset();
    const mine = sse(h.server.url, LOGS, {}, a.accessKey);
    const client = wsClient(h.server.url, b.accessKey);
    try {
      const theirs = wsSubscribe(client, LOGS, {});
      // the first polls mark where "new" starts
      await expect.poll(() => h.calls()['/yescale/logs'] ?? 0).toBeGreaterThanOrEqual(2);
      const at = Math.floor(Date.now() / 1000) + 5;
      h.emulator.appendLogs(a.username, 3, at);
      await mine.next(3);
      h.emulator.appendLogs(a.username, 2, at); // the same second, after a poll saw it
      await mine.next(5);
      const expected = [4, 3, 2, 1, 0].map((i) => h.emulator.log(a.username, i)).map((l) => ({ quota: l.quota, modelName: l.model_name, username: a.username }));
      // a few more polls: nothing is told twice
      const calls = h.calls()['/yescale/logs']!;
      await expect.poll(() => h.calls()['/yescale/logs']).toBeGreaterThanOrEqual(calls + 4);
      expect(mine.events.map((e) => ({ quota: e.data.logAdded.quota, modelName: e.data.logAdded.modelName, username: e.data.logAdded.username }))).toEqual(expected);
      expect(theirs.events).toEqual([]);
      mine.cancel();
      theirs.cancel();
    } finally {
      await client.dispose();
    }
  });

  it('per-credential and total limits: a clear error past them, and one caller does not lock out another', async () => {
    const [a, b, c] = h.emulator.users;
    await expect.poll(() => h.gateway.live.size).toBe(0); // the streams of the test before have let go
    const open = [1, 2, 3].map((n) => sse(h.server.url, BALANCE, { below: n }, a.accessKey));
    await expect.poll(() => h.gateway.live.size).toBe(3);
    const fourth = sse(h.server.url, BALANCE, { below: 4 }, a.accessKey);
    await fourth.ended;
    expect(codes(fourth)).toEqual(['SUBSCRIPTION_LIMIT']);
    const others = [sse(h.server.url, BALANCE, { below: 1 }, b.accessKey), sse(h.server.url, BALANCE, { below: 2 }, b.accessKey)];
    await expect.poll(() => h.gateway.live.size).toBe(5);
    const metrics = await (await fetch(`${h.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^graphql_subscriptions_open 5$/m);
    expect(metrics).toMatch(/^live_pollers 2$/m); // a's three thresholds share one poll of the account, b's two another
    const sixth = sse(h.server.url, BALANCE, { below: 1 }, c.accessKey);
    await sixth.ended;
    expect(codes(sixth)).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(others.flatMap(codes)).toEqual([]);
    open[0].cancel();
    await expect.poll(async () => {
      const again = sse(h.server.url, BALANCE, { below: 1 }, c.accessKey);
      const refused = await Promise.race([again.ended.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
      again.cancel();
      return refused;
    }).toBe(false);
    for (const s of [...open, ...others]) s.cancel();
  });
});

/** The in-process coordinator, keeping a copy of every lease key, topic and payload it is given. */
class RecordingCoordinator extends LocalCoordinator {
  readonly seen: string[] = [];
  override lead(key: string, start: (signal: AbortSignal) => void) {
    this.seen.push(key);
    return super.lead(key, start);
  }
  override publish(topic: string, payload: string) {
    this.seen.push(topic, payload);
    return super.publish(topic, payload);
  }
  override subscribe(topic: string, onMessage: (payload: string) => void) {
    this.seen.push(topic);
    return super.subscribe(topic, onMessage);
  }
}

describe('tenants', () => {
  it('two callers with the same subscription get their own pollers and data; no secret reaches a key, topic or payload', async () => {
    const coordinator = new RecordingCoordinator();
    const h = await startHarness({ coordinator, live: { minMs: 60_000, maxMs: 60_000 } }, { logsPerUser: 100 });
    try {
      const [a, b] = h.emulator.users;
      const huge = 2 ** 52;
      const streams = [a, b].map((user) => sse(h.server.url, BALANCE, { below: huge }, user.accessKey));
      await Promise.all(streams.map((s) => s.next(1)));
      expect(streams.map((s) => s.events[0].data.balance.username)).toEqual([a.username, b.username]);
      expect(h.calls()['/yescale/user']).toBe(2);
      // b's task, asked for with a's key: a has no such task
      const theirs = sse(h.server.url, TASK, { id: h.emulator.tasks(b.username)[0].task_id }, a.accessKey);
      await theirs.ended;
      expect(codes(theirs)).toEqual(['NOT_FOUND']);
      const secrets = [a, b].flatMap((user) => [user.accessKey, ...h.emulator.apiKeys(user.username).map((key) => key.key)]);
      expect(coordinator.seen.length).toBeGreaterThan(4);
      for (const text of coordinator.seen) for (const secret of secrets) expect(text).not.toContain(secret);
      for (const s of streams) s.cancel();
    } finally {
      await h.close();
    }
  });
});

describe('as the emulator clock moves', () => {
  let h: Harness;
  beforeAll(async () => {
    // a stopped clock, stepped by the test: each step is seen by a poll before the next
    h = await startHarness({ live: { minMs: 100, maxMs: 200 } }, { logsPerUser: 100, speed: 0 });
  });
  afterAll(() => h.close());

  /** Moves the emulated clock by `seconds`, then waits until `path` has been polled again (or `over`: no poller is left). */
  async function step(seconds: number, path: string, over = () => false): Promise<void> {
    const before = h.calls()[path] ?? 0;
    h.emulator.advance(seconds);
    await expect.poll(() => over() || (h.calls()[path] ?? 0) > before + 1).toBe(true);
  }

  it('taskUpdated follows a task to SUCCESS over WebSocket, each change once, then the stream completes', async () => {
    const [demo] = h.emulator.users;
    const task = h.emulator.tasks(demo.username).find((t) => t.status === 'QUEUED')!; // the emulator's quick one
    const client = wsClient(h.server.url, demo.accessKey);
    try {
      const stream = wsSubscribe(client, TASK, { id: task.task_id });
      await stream.next(1);
      let ended = false;
      void stream.ended.then(() => (ended = true));
      for (let i = 0; i < 30 && !ended; i++) await step(5, '/yescale/task', () => ended);
      expect(await stream.ended).toBe(true);
      const seen = stream.events.map((e) => e.data.taskUpdated);
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.at(-1).status).toBe(h.emulator.tasks(demo.username).find((t) => t.task_id === task.task_id)!.status);
      expect(seen.at(-1).status).toBe('SUCCESS');
      for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
    } finally {
      await client.dispose();
    }
  });

  it('logAdded tells every arriving entry once, oldest first, across many polls', async () => {
    const [demo] = h.emulator.users;
    const stream = sse(h.server.url, LOGS, {}, demo.accessKey);
    const polls = h.calls()['/yescale/logs'] ?? 0;
    await expect.poll(() => h.calls()['/yescale/logs'] ?? 0).toBeGreaterThan(polls);
    const start = h.emulator.logCount(demo.username);
    for (let i = 0; i < 6; i++) await step(20, '/yescale/logs');
    const arrived = h.emulator.logCount(demo.username) - start;
    expect(arrived).toBeGreaterThan(0);
    await stream.next(arrived);
    const expected = Array.from({ length: arrived }, (_, i) => h.emulator.log(demo.username, arrived - 1 - i));
    expect(stream.events.map((e) => [e.data.logAdded.quota, e.data.logAdded.modelName])).toEqual(expected.map((l) => [l.quota, l.model_name]));
    stream.cancel();
  });

  it('balance fires once when spending takes the account below the threshold', async () => {
    const [demo] = h.emulator.users;
    const quota = h.emulator.user(demo.username).quota;
    const stream = sse(h.server.url, BALANCE, { below: quota }, demo.accessKey);
    await expect.poll(() => h.calls()['/yescale/user'] ?? 0).toBeGreaterThan(0);
    for (let i = 0; i < 30 && h.emulator.user(demo.username).quota >= quota; i++) await step(60, '/yescale/user');
    await stream.next(1);
    expect(stream.events[0].data.balance.quota).toBeLessThan(quota);
    // further spending is the same crossing: nothing more
    await step(600, '/yescale/user');
    await step(600, '/yescale/user');
    expect(stream.events).toHaveLength(1);
    stream.cancel();
  });
});

describe('trusted documents over WebSocket', () => {
  it('runs only the manifest documents, by hash, as over HTTP', async () => {
    const MANIFEST = 'examples/client/gql/persisted-documents.json';
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    const [hash] = Object.entries(manifest).find(([, document]) => document.includes('taskUpdated'))!;
    const h = await startHarness({ trustedDocuments: MANIFEST, live: { minMs: 60_000, maxMs: 60_000 } }, { logsPerUser: 100 });
    const client = wsClient(h.server.url, h.emulator.demoAccessKey);
    try {
      const task = h.emulator.tasks(h.emulator.users[0].username)[0];
      const byText = wsSubscribe(client, TASK, { id: task.task_id });
      await byText.ended;
      expect(codes(byText)).toEqual(['TRUSTED_DOCUMENTS_ONLY']);
      const byHash = streamOfHash(client, hash, { id: task.task_id });
      await byHash.next(1);
      expect(byHash.events[0].data.taskUpdated.taskId).toBe(task.task_id);
      byHash.cancel();
    } finally {
      await client.dispose();
      await h.close();
    }
  });
});

describe('telemetry over WebSocket', () => {
  it('each operation is one log line and one metrics sample when it completes, as over HTTP', async () => {
    const raw: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => raw.push(line) } });
    const lines = () => raw.map((line) => JSON.parse(line)).filter((line) => line.msg === 'graphql');
    const h = await startHarness({ logger, live: { minMs: 60_000, maxMs: 60_000 } }, { logsPerUser: 100 });
    const [demo] = h.emulator.users;
    const client = wsClient(h.server.url, demo.accessKey);
    try {
      // by its global ID (see 'WebSocket: a finished task is one event…' above)
      const finished = h.emulator.tasks(demo.username).find((t) => t.status === 'SUCCESS' || t.status === 'FAILURE')!;
      const streams = [
        wsSubscribe(client, 'query Me { me { username } }'),
        wsSubscribe(client, 'subscription Finished($id: ID!) { taskUpdated(id: $id) { status } }', { id: taskGlobalId(finished) }),
        wsSubscribe(client, 'subscription Missing { taskUpdated(id: "no-such-task") { status } }'),
        wsSubscribe(client, 'mutation Refused { deleteApiKey(input: { id: "1" }) { deletedApiKeyId } }'),
      ];
      for (const stream of streams) expect(await stream.ended).toBe(true);
      // ended by the client: logged when it leaves
      const left = wsSubscribe(client, 'subscription Watching { logAdded { modelName } }');
      await expect.poll(() => h.calls()['/yescale/logs'] ?? 0).toBe(1);
      left.cancel();
      await expect.poll(() => lines().length).toBe(5);
      const byName = Object.fromEntries(lines().map((line) => [line.operation, line]));
      expect(byName.Me).toMatchObject({ level: 30, status: 101, upstreamCalls: 1 });
      expect(byName.Me.errors).toBeUndefined();
      expect(byName.Finished).toMatchObject({ level: 30, status: 101 });
      expect(byName.Missing).toMatchObject({ level: 40, errors: ['NOT_FOUND'] });
      expect(byName.Refused).toMatchObject({ level: 40, errors: ['BAD_REQUEST'] });
      expect(byName.Watching).toMatchObject({ level: 30, status: 101 });
      for (const line of lines()) expect(line.durationMs).toBeGreaterThanOrEqual(0);
      const metrics = await (await fetch(`${h.server.url}/metrics`)).text();
      for (const name of ['Me', 'Finished', 'Missing', 'Refused', 'Watching']) expect(metrics).toContain(`graphql_operations_total{operation="${name}"} 1`);
      expect(metrics).toContain('graphql_errors_total{operation="Missing",code="NOT_FOUND"} 1');
    } finally {
      await client.dispose();
      await h.close();
    }
  });
});

describe('heartbeat', () => {
  it('idle streams are kept alive: WebSocket pings at the configured interval, SSE comment lines', async () => {
    const h = await startHarness({ heartbeatMs: 50, live: { minMs: 60_000, maxMs: 60_000 } }, { logsPerUser: 100 });
    const socket = new WebSocket(`${h.server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    try {
      let pings = 0;
      socket.on('ping', () => pings++);
      await expect.poll(() => pings).toBeGreaterThanOrEqual(2);
      // yoga's SSE sends a comment line at once and then periodically (every 12 s; 300 ms under NODE_ENV=test)
      const res = await fetch(`${h.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${h.emulator.demoAccessKey}` },
        body: JSON.stringify({ query: LOGS }),
      });
      const reader = res.body!.getReader();
      let text = '';
      while ((text.match(/^:$/gm) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
    } finally {
      socket.terminate();
      await h.close();
    }
  });
});

describe('shutdown', () => {
  it('ends every SSE and WebSocket stream with a complete when the server closes', async () => {
    const h = await startHarness({ live: { minMs: 60_000, maxMs: 60_000 } }, { logsPerUser: 100 });
    const [demo] = h.emulator.users;
    const over = sse(h.server.url, LOGS, {}, demo.accessKey);
    const client = wsClient(h.server.url, demo.accessKey);
    const ws = wsSubscribe(client, LOGS, {});
    // both streams open (the SSE one alone starts the shared poller: a WebSocket still shaking hands
    // when the server closes is refused with 1001, which is right, not what this test is about)
    await expect.poll(() => h.gateway.live.size).toBe(2);
    await expect.poll(() => h.calls()['/yescale/logs'] ?? 0).toBe(1);
    await h.close();
    expect(await over.ended).toBe(true);
    expect(await ws.ended).toBe(true);
    expect(over.events).toEqual([]);
    await client.dispose();
  });
});
