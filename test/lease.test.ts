/**
 * The lease's timing under fake timers, over an in-memory store that behaves as the Redis scripts
 * of src/live/redis-lease.ts do (atomic set-if-absent with expiry, compare-and-extend,
 * compare-and-delete); the last suite runs those very scripts on a real redis-server beside it.
 * A holder that dies or loses the store is replaced within one TTL, and two holders never lead at once.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease, type LeaseStore } from '../src/live/lease.js';
import { redisLeaseStore } from '../src/live/redis-lease.js';
import { requireProgram } from './programs.js';
import { startRedis, type RedisServer } from './redis-server.js';

const hasRedisServer = requireProgram('redis-server', 'apt-get install redis-server');

const TTL = 9_000;

/** One key-value store with expiry on the fake clock, as Redis keeps it. */
function memoryStore() {
  const entries = new Map<string, { holder: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key);
    return entries.get(key);
  };
  const store: LeaseStore = {
    acquire: async (key, holder, ttlMs) => {
      const entry = live(key);
      if (entry) return entry.expiresAt - Date.now();
      entries.set(key, { holder, expiresAt: Date.now() + ttlMs });
      return 0;
    },
    extend: async (key, holder, ttlMs) => {
      const entry = live(key);
      if (entry?.holder !== holder) return false;
      entry.expiresAt = Date.now() + ttlMs;
      return true;
    },
    release: async (key, holder) => {
      if (live(key)?.holder === holder) entries.delete(key);
    },
  };
  return { store, holderOf: (key: string) => live(key)?.holder ?? null };
}

/** One instance's view of the store: `crash` makes every call hang (the process is gone), `cut` makes it fail (Redis unreachable). */
function connection(store: LeaseStore) {
  let state: 'up' | 'crashed' | 'cut' = 'up';
  const via =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      state === 'up' ? call(...args) : state === 'crashed' ? new Promise<R>(() => undefined) : Promise.reject(new Error('connection refused'));
  return {
    store: { acquire: via(store.acquire), extend: via(store.extend), release: via(store.release) } as LeaseStore,
    crash: () => void (state = 'crashed'),
    cut: () => void (state = 'cut'),
    restore: () => void (state = 'up'),
  };
}

/** A contender: whether it leads now, how often it started, and the errors it was told. */
function contender(store: LeaseStore, name: string, key = 'k') {
  const state = { leading: false, starts: 0, errors: [] as string[], signal: null as AbortSignal | null };
  const lease = holdLease(store, key, name, { ttlMs: TTL, onError: (e) => state.errors.push(e.message) }, (signal) => {
    state.leading = true;
    state.starts++;
    state.signal = signal;
    signal.addEventListener('abort', () => (state.leading = false));
  });
  return Object.assign(state, { release: () => lease.release() });
}

/** Advances the clock in small steps, checking after each that no two contenders lead at once. */
async function run(ms: number, ...contenders: { leading: boolean }[]) {
  for (let t = 0; t < ms; t += 100) {
    await vi.advanceTimersByTimeAsync(100);
    expect(contenders.filter((c) => c.leading).length).toBeLessThanOrEqual(1);
  }
}

describe('lease', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('one of two contenders leads, and keeps leading while it renews', async () => {
    const { store, holderOf } = memoryStore();
    const a = contender(store, 'a');
    const b = contender(store, 'b');
    await run(5 * TTL, a, b);
    expect(a.leading).toBe(true);
    expect(a.starts).toBe(1);
    expect(b.starts).toBe(0);
    expect(holderOf('k')).toBe('a');
  });

  it('a crashed holder is replaced within one TTL of its crash', async () => {
    const { store, holderOf } = memoryStore();
    const a = connection(store);
    const leader = contender(a.store, 'a');
    const follower = contender(store, 'b');
    await run(2 * TTL, leader, follower);
    expect(leader.leading).toBe(true);
    a.crash();
    await vi.advanceTimersByTimeAsync(TTL - 1);
    // not before the lease could have expired: the crashed holder might only be slow
    expect(follower.leading).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(follower.leading).toBe(true);
    expect(holderOf('k')).toBe('b');
  });

  it('a holder that cannot reach the store stops leading before another can take over, and contends again when it is back', async () => {
    const { store } = memoryStore();
    const a = connection(store);
    const leader = contender(a.store, 'a');
    const follower = contender(store, 'b');
    await run(TTL, leader, follower);
    a.cut();
    await run(TTL, leader, follower); // run() fails if both lead at any step
    expect(leader.leading).toBe(false);
    expect(leader.signal!.aborted).toBe(true);
    expect(leader.errors).toContain('connection refused');
    expect(follower.leading).toBe(true);
    a.restore();
    await run(3 * TTL, leader, follower);
    expect(follower.leading).toBe(true);
    expect(leader.starts).toBe(1);
    await follower.release();
    await run(TTL, leader, follower);
    expect(leader.leading).toBe(true);
    expect(leader.starts).toBe(2);
  });

  it('release() aborts the signal and frees the key; the next contender leads within one TTL', async () => {
    const { store, holderOf } = memoryStore();
    const a = contender(store, 'a');
    const b = contender(store, 'b');
    await run(TTL, a, b);
    await a.release();
    expect(a.signal!.aborted).toBe(true);
    expect(holderOf('k')).toBe(null);
    await run(TTL, a, b);
    expect(b.leading).toBe(true);
    expect(a.starts).toBe(1);
  });

  it('a holder whose lease was taken from under it (expired while paused) stops leading at its next renewal', async () => {
    const { store } = memoryStore();
    const leader = contender(store, 'a');
    await vi.advanceTimersByTimeAsync(1);
    expect(leader.leading).toBe(true);
    // someone else's lease now: what an expiry during a long pause followed by another's takeover leaves
    await store.release('k', 'a');
    await store.acquire('k', 'other', TTL);
    await vi.advanceTimersByTimeAsync(TTL / 3);
    expect(leader.leading).toBe(false);
    expect(leader.signal!.aborted).toBe(true);
  });

  it('keys are independent: two keys can have two holders', async () => {
    const { store } = memoryStore();
    const a = contender(store, 'a', 'k1');
    const b = contender(store, 'b', 'k2');
    await vi.advanceTimersByTimeAsync(1);
    expect([a.leading, b.leading]).toEqual([true, true]);
  });
});

/** The same steps on a store, with `acquire`'s "ms left" read as whether someone else holds the key. */
async function steps(store: LeaseStore) {
  const TTL_MS = 60_000;
  const acquire = async (key: string, holder: string) => {
    const left = await store.acquire(key, holder, TTL_MS);
    return left === 0 ? 'taken' : left > 0 && left <= TTL_MS ? 'held by another' : left;
  };
  const said: unknown[] = [];
  said.push(await acquire('k', 'a'));
  said.push(await acquire('k', 'b'));
  said.push(await store.extend('k', 'b', TTL_MS));
  said.push(await store.extend('k', 'a', TTL_MS));
  await store.release('k', 'b'); // not b's: left alone
  said.push(await acquire('k', 'b'));
  await store.release('k', 'a');
  said.push(await acquire('k', 'b'));
  said.push(await store.extend('nobody', 'a', TTL_MS));
  // a lease nobody renews runs out by itself
  said.push(await store.acquire('short', 'a', 1));
  await vi.waitFor(async () => expect(await acquire('short', 'b')).toBe('taken'));
  return said;
}

describe.skipIf(!hasRedisServer)('the Redis lease scripts', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('answer as the in-memory store of the timing tests above does', async () => {
    const expected = ['taken', 'held by another', false, true, 'held by another', 'taken', false, 0];
    expect(await steps(memoryStore().store)).toEqual(expected);
    expect(await steps(redisLeaseStore(redis))).toEqual(expected);
  });

  it('a key without an expiry (not a lease of ours) reads as -1: contenders retry instead of waiting forever', async () => {
    await redis.set('stray', 'x');
    expect(await redisLeaseStore(redis).acquire('stray', 'a', 60_000)).toBe(-1);
  });
});
