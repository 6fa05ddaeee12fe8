/**
 * Upstream faults: every emulator fault mode against every root field (the gateway answers,
 * with the right code on that field, cut at the deadline, the other fields intact), retries,
 * the circuit breaker opening and recovering, concurrency caps and in-flight dedupe.
 * Every query carries a unique operation name so no response cache can answer it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAULT_MODES, type FaultMode } from '../src/emulator/index.js';
import { startHarness, total, type Harness } from './helpers.js';

const codes = (res: { errors?: { extensions?: Record<string, any> }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);
let unique = 0;
const named = (body: string) => `query Q${++unique} ${body}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const WINDOW = `filter: { from: "2000-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z" }`;

describe('every fault mode against every root field', () => {
  // root field -> [its selection, the path it calls, another field on another path]
  const fields: Record<string, [string, string, string]> = {
    me: ['me { username }', '/yescale/user', `tasks(${WINDOW}) { id }`],
    apiKeys: ['apiKeys { name }', '/yescale/apikeylist', 'me { username }'],
    apiKey: ['apiKey(id: "1") { name }', '/yescale/apikeylist', 'me { username }'],
    tasks: [`tasks(${WINDOW}) { id }`, '/yescale/task', 'me { username }'],
    logs: ['logs(first: 2) { totalCount }', '/yescale/logs', 'me { username }'],
    node: ['node(id: "TASK_ID") { id }', '/yescale/task', 'me { username }'],
  };
  const expected: Record<FaultMode, string[]> = {
    latency: [],
    http500: ['UPSTREAM_UNAVAILABLE'],
    http502: ['UPSTREAM_UNAVAILABLE'],
    http503: ['UPSTREAM_UNAVAILABLE'],
    http429: ['RATE_LIMITED'],
    reset: ['UPSTREAM_UNAVAILABLE'],
    hang: ['UPSTREAM_UNAVAILABLE'],
    // the connection is cut mid-body (unavailable) or the half body is refused (bad response)
    truncated: ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE'],
    nonJson: ['UPSTREAM_BAD_RESPONSE'],
    wrongShape: ['UPSTREAM_BAD_RESPONSE'],
    slowDrip: ['UPSTREAM_UNAVAILABLE'],
    invalidToken: ['UNAUTHENTICATED'],
    // a renamed field becomes null and an unknown enum UNKNOWN (src/upstream/records.ts): no error
    otherVersion: [],
    // this emulator answers plain arrays for tasks and keys, which the fault leaves alone; a log
    // page's total is taken as said (test/list-paging.test.ts covers paged lists under it)
    overstatedTotal: [],
  };

  // One emulator and gateway per root field, so cases of different fields run at once (a hang or a
  // slow drip waits for the whole deadline); the cases of one field take turns, as an emulator has
  // one fault at a time. Mode-major order, so the cases running together are of different fields.
  const lanes = new Map<string, { h: Harness; turn: Promise<unknown> }>();
  let taskId: string;
  beforeAll(async () => {
    for (const field of Object.keys(fields)) {
      const h = await startHarness(
        {
          requestTimeoutMs: 800,
          // fast retries; a breaker that does not open here (it has its own tests below)
          http: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, rateLimitDelayMs: 50, breakerThreshold: 1_000 },
        },
        { logsPerUser: 200 },
      );
      lanes.set(field, { h, turn: Promise.resolve() });
    }
    taskId = (await lanes.get('node')!.h.gql(named(`{ tasks(${WINDOW}) { id } }`))).data.tasks[0].id;
  });
  afterAll(() => Promise.all([...lanes.values()].map(({ h }) => h.close())));
  /** Runs `body` on the field's harness once the field's previous case has finished. */
  const inTurn = (field: string, body: (h: Harness) => Promise<void>): Promise<void> => {
    const lane = lanes.get(field)!;
    const run = lane.turn.then(() => body(lane.h));
    lane.turn = run.catch(() => undefined);
    return run;
  };
  const cases = FAULT_MODES.flatMap((mode) => Object.keys(fields).map((field) => [field, mode] as const));

  it.concurrent.for(cases)('%s under %s', ([field, mode], { expect }) =>
    inTurn(field, async (h) => {
      h.reset();
      const [selection, path, other] = fields[field];
      h.emulator.setFault({ mode, path, latencyMs: mode === 'latency' ? 30 : undefined, dripMs: 100 });
      const res = await h.gql(named(`{ target: ${selection.replace('TASK_ID', taskId)} other: ${other} }`));
      const otherKey = other.split(/[ (]/)[0];
      expect(res.data.other ?? res.data[otherKey], 'the unaffected field resolves').toBeTruthy();
      const allowed = expected[mode];
      if (allowed.length === 0) {
        expect(res.errors).toBeUndefined();
        expect(res.data.target).toBeTruthy();
        return;
      }
      expect(res.errors).toHaveLength(1);
      expect(allowed).toContain(codes(res)[0]);
      expect(res.errors![0].path).toEqual(['target']);
      expect(res.data.target).toBeNull();
      if (mode === 'hang' || mode === 'slowDrip') expect(res.errors![0].message).toMatch(/deadline/);
      // and the gateway is still up for the next caller
      h.emulator.setFault(null);
      expect((await h.gql(named(`{ me { username } }`))).data.me.username).toBe('demo');
    }),
  );
});

describe('retries', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ requestTimeoutMs: 2_000, http: { retryBaseDelayMs: 5, rateLimitDelayMs: 100 } }, { logsPerUser: 100 });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it.each(['http503', 'reset', 'http429'] as const)('one %s is retried and the caller never sees it', async (mode) => {
    h.emulator.setFault({ mode, path: '/yescale/user', count: 1 });
    const res = await h.gql(named(`{ me { username } }`));
    expect(res).toMatchObject({ data: { me: { username: 'demo' } } });
    expect(res.errors).toBeUndefined();
    expect(h.calls()['/yescale/user']).toBe(2);
  });

  it('a persistent 5xx gives up after the configured retries (1 + 2 calls)', async () => {
    h.emulator.setFault({ mode: 'http500', path: '/yescale/user' });
    expect(codes(await h.gql(named(`{ me { username } }`)))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(h.calls()['/yescale/user']).toBe(3);
  });

  it('answers that retrying cannot fix are not retried', async () => {
    for (const mode of ['nonJson', 'wrongShape', 'invalidToken'] as const) {
      h.reset();
      h.emulator.setFault({ mode, path: '/yescale/user' });
      expect(codes(await h.gql(named(`{ me { username } }`)))).toHaveLength(1);
      expect(h.calls()['/yescale/user']).toBe(1);
    }
  });

  it('a 429 whose retry delay would pass the deadline is answered at once as RATE_LIMITED', async () => {
    const slow = await startHarness({ requestTimeoutMs: 500, http: { rateLimitDelayMs: 5_000 } }, { logsPerUser: 100 });
    try {
      slow.emulator.setFault({ mode: 'http429', path: '/yescale/user' });
      expect(codes(await slow.gql(named(`{ me { username } }`)))).toEqual(['RATE_LIMITED']);
      expect(slow.calls()['/yescale/user']).toBe(1);
    } finally {
      await slow.close();
    }
  });
});

describe('circuit breaker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ http: { retries: 0, breakerThreshold: 3, breakerCooldownMs: 300 } }, { logsPerUser: 100 });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it('opens after repeated failures, fails fast without upstream calls, then a probe closes it', async () => {
    h.emulator.setFault({ mode: 'http503' });
    for (let i = 0; i < 3; i++) expect(codes(await h.gql(named(`{ me { username } }`)))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(h.calls()['/yescale/user']).toBe(3);

    // open: every field fails fast with the same code, and the upstream sees nothing
    const open = await h.gql(named(`{ me { username } apiKeys { name } logs { totalCount } }`));
    expect(codes(open)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(open.errors![0].message).toMatch(/circuit open/);
    expect(total(h.calls())).toBe(3);

    // after the cool-down a failing probe opens it again (one call)
    await sleep(350);
    expect(codes(await h.gql(named(`{ me { username } }`)))).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(total(h.calls())).toBe(4);
    expect((await h.gql(named(`{ me { username } }`))).errors![0].message).toMatch(/circuit open/);
    expect(total(h.calls())).toBe(4);

    // the upstream recovers: after the cool-down the probe succeeds and the circuit closes
    h.emulator.setFault(null);
    await sleep(350);
    expect((await h.gql(named(`{ me { username } }`))).data.me.username).toBe('demo');
    const after = await h.gql(named(`{ me { username } apiKeys { name } }`));
    expect(after.errors).toBeUndefined();
    expect(total(h.calls())).toBe(4 + 1 + 2);
  });
});

describe('circuit breaker and request deadlines', () => {
  it('calls cut by the request deadline do not open the circuit', async () => {
    // deadline 100 ms, upstream answers after 300 ms: each request's own deadline aborts its call
    const h = await startHarness({ requestTimeoutMs: 100, http: { retries: 0, breakerThreshold: 2, breakerCooldownMs: 60_000 } }, { logsPerUser: 100 });
    try {
      h.emulator.setFault({ mode: 'latency', latencyMs: 300 });
      for (let i = 0; i < 4; i++) {
        const res = await h.gql(named(`{ me { username } }`));
        expect(res.errors![0].message).toMatch(/deadline/);
      }
      h.emulator.setFault(null);
      expect((await h.gql(named(`{ me { username } }`))).data.me.username).toBe('demo');
    } finally {
      await h.close();
    }
  });
});

describe('concurrency caps and in-flight dedupe', () => {
  it('caps upstream calls per credential and overall, queueing the rest', async () => {
    const h = await startHarness({ http: { maxConcurrentPerCredential: 2, maxConcurrent: 3 } }, { logsPerUser: 500 });
    try {
      h.emulator.setFault({ mode: 'latency', latencyMs: 60 });
      const [a, b] = h.emulator.users;
      // distinct upstream calls (different filters), so dedupe does not merge them
      const one = (user: typeof a, i: number) => h.gql(named(`{ logs(first: 1, filter: { modelName: "m${i}" }) { totalCount } }`), undefined, user.accessKey);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => one(a, i)));
      expect(results.every((r) => r.errors === undefined)).toBe(true);
      expect(h.emulator.stats().maxInFlight).toBe(2);
      h.reset();
      h.emulator.setFault({ mode: 'latency', latencyMs: 60 });
      await Promise.all(Array.from({ length: 12 }, (_, i) => one(i % 2 ? b : a, i)));
      expect(h.emulator.stats().maxInFlight).toBe(3);
    } finally {
      await h.close();
    }
  });

  it('two identical calls of one credential in flight are one; of two credentials, two', async () => {
    const h = await startHarness({}, { logsPerUser: 100 });
    try {
      // All ten requests must reach the upstream client while the first call is still out: in process
      // (no sockets) and a long upstream latency, so a busy machine does not split them into two calls.
      h.emulator.setFault({ mode: 'latency', latencyMs: 500 });
      const [a, b] = h.emulator.users;
      const same = await Promise.all(Array.from({ length: 10 }, () => h.gqlInProcess(named(`{ me { username } }`), undefined, a.accessKey)));
      expect(same.every((r) => r.data.me.username === a.username)).toBe(true);
      expect(h.calls()['/yescale/user']).toBe(1);
      h.reset();
      h.emulator.setFault({ mode: 'latency', latencyMs: 500 });
      const mixed = await Promise.all(Array.from({ length: 10 }, (_, i) => h.gqlInProcess(named(`{ me { username } }`), undefined, (i % 2 ? b : a).accessKey)));
      mixed.forEach((r, i) => expect(r.data.me.username).toBe((i % 2 ? b : a).username));
      expect(h.calls()['/yescale/user']).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('a caller whose deadline passes stops waiting; the shared call still serves the others', async () => {
    const short = await startHarness({ requestTimeoutMs: 100 }, { logsPerUser: 100 });
    try {
      short.emulator.setFault({ mode: 'latency', latencyMs: 300 });
      const res = await short.gql(named(`{ me { username } }`));
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(res.errors![0].message).toMatch(/deadline/);
    } finally {
      await short.close();
    }
  });
});
