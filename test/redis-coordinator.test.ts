/**
 * RedisCoordinator on a real redis-server: one instance leads a key at a time, a killed leader is
 * replaced once its lease runs out, events reach every instance and only the subscribers of their
 * topic, and no secret reaches Redis in any key, value, channel or command.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pollKey } from '../src/live/caller.js';
import { RedisCoordinator } from '../src/live/redis-coordinator.js';
import { toCredential } from '../src/upstream/credential.js';
import { requireProgram } from './programs.js';
import { freePort, startRedis, type RedisServer } from './redis-server.js';

const hasRedisServer = requireProgram('redis-server', 'apt-get install redis-server');

// long enough that a loaded CI machine's event-loop stalls (hundreds of ms) do not let a live lease lapse
const LEASE_MS = 2_000;
const SECRET = 'sk-live-secret-credential-0123456789';
/** keys and topics as the hub makes them (pollKey), from a credential whose secret must never reach Redis */
const key = (query: string) => pollKey(toCredential(SECRET), query);

/** A coordinator and what it has been told: whether it leads, how often it started, its errors. */
function instance(url: string) {
  const errors: string[] = [];
  const coordinator = new RedisCoordinator({ url, leaseMs: LEASE_MS, onError: (error) => errors.push(error.message) });
  return { coordinator, errors };
}

function leader(coordinator: RedisCoordinator, key: string) {
  const state = { leading: false, starts: 0, signal: null as AbortSignal | null };
  const handle = coordinator.lead(key, (signal) => {
    state.leading = true;
    state.starts++;
    state.signal = signal;
    signal.addEventListener('abort', () => (state.leading = false));
  });
  return Object.assign(state, handle);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasRedisServer)('RedisCoordinator on a real Redis', () => {
  let server: RedisServer;
  let raw: Redis;
  /** every command any client sent to Redis during the suite */
  const commands: string[] = [];
  let monitor: Awaited<ReturnType<Redis['monitor']>>;

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.url);
    monitor = await raw.monitor(); // a connection of its own
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
  });
  afterAll(async () => {
    monitor?.disconnect();
    raw?.disconnect();
    await server?.stop();
  });

  /** waits until Redis has `count` subscribed channels, so a publish cannot overtake a SUBSCRIBE */
  const channelsReach = (count: number) => vi.waitFor(async () => expect(await raw.pubsub('CHANNELS', '*')).toHaveLength(count), { timeout: 5_000 });

  it('two instances on one Redis: exactly one leads a key, for as long as it lives', async () => {
    const a = instance(server.url);
    const b = instance(server.url);
    const onA = leader(a.coordinator, key('lead'));
    const onB = leader(b.coordinator, key('lead'));
    await vi.waitFor(() => expect(onA.leading || onB.leading).toBe(true), { timeout: 5_000 });
    // several renewals later, still the same one and only one
    await sleep(3 * LEASE_MS);
    expect([onA.leading, onB.leading].filter(Boolean)).toHaveLength(1);
    expect(onA.starts + onB.starts).toBe(1);
    await Promise.all([a.coordinator.close(), b.coordinator.close()]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('a killed leader (a separate process, SIGKILL) is replaced once its lease runs out', async () => {
    const crashKey = key('crash');
    let b: ReturnType<typeof instance> | undefined;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/lease-holder.ts', server.url, crashKey, String(LEASE_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk) => String(chunk).includes('leading') && resolve());
        child.once('exit', (code) => reject(new Error(`lease holder exited (${code}) before leading`)));
      });
      b = instance(server.url);
      const onB = leader(b.coordinator, crashKey);
      await sleep(2 * LEASE_MS);
      expect(onB.leading).toBe(false); // the live holder keeps renewing
      const [leaseKey] = await raw.keys('yescale-graphql:live:lease:*');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // the dead holder's lease is still there and runs out by itself within one TTL: the bound on takeover
      const left = await raw.pttl(leaseKey);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(LEASE_MS);
      await vi.waitFor(() => expect(onB.leading).toBe(true), { timeout: 5 * LEASE_MS });
      const holder = new RegExp(`^${b.coordinator.instanceId}:`);
      await vi.waitFor(async () => expect(await raw.get(leaseKey)).toMatch(holder), { timeout: 2 * LEASE_MS });
    } finally {
      child.kill('SIGKILL');
      // closed even when an expectation failed, so its renewed lease cannot leak into the next tests
      await b?.coordinator.close();
    }
  });

  it('a closing leader releases its lease and aborts its poller; the other instance takes over', async () => {
    const a = instance(server.url);
    const b = instance(server.url);
    const onA = leader(a.coordinator, key('close'));
    await vi.waitFor(() => expect(onA.leading).toBe(true), { timeout: 5_000 });
    const onB = leader(b.coordinator, key('close'));
    await a.coordinator.close();
    expect(onA.signal!.aborted).toBe(true);
    await vi.waitFor(() => expect(onB.leading).toBe(true), { timeout: 5 * LEASE_MS });
    onB.release();
    await vi.waitFor(() => expect(onB.signal!.aborted).toBe(true));
    await vi.waitFor(async () => expect(await raw.keys('yescale-graphql:live:lease:*')).toEqual([]), { timeout: 2 * LEASE_MS });
    await b.coordinator.close();
  });

  it('a release() just before close() (the hub ends its streams, then closes the coordinator) still frees the key', async () => {
    const a = instance(server.url);
    const onA = leader(a.coordinator, key('shutdown'));
    await vi.waitFor(() => expect(onA.leading).toBe(true), { timeout: 5_000 });
    onA.release();
    await a.coordinator.close();
    expect(onA.signal!.aborted).toBe(true);
    expect(await raw.keys('yescale-graphql:live:lease:*')).toEqual([]);
    expect(a.errors).toEqual([]);
  });

  it('a publish on one instance reaches the subscribers of its topic on both, and only those', async () => {
    const a = instance(server.url);
    const b = instance(server.url);
    const got = { a1: [] as string[], b1: [] as string[], b2: [] as string[] };
    const offA1 = a.coordinator.subscribe(key('topic-1'), (p) => got.a1.push(p));
    const offB1 = b.coordinator.subscribe(key('topic-1'), (p) => got.b1.push(p));
    const offB2 = b.coordinator.subscribe(key('topic-2'), (p) => got.b2.push(p));
    await channelsReach(2);
    await a.coordinator.publish(key('topic-1'), '{"n":1}');
    await b.coordinator.publish(key('topic-2'), '{"n":2}');
    await vi.waitFor(() => expect([got.a1, got.b1, got.b2]).toEqual([['{"n":1}'], ['{"n":1}'], ['{"n":2}']]));
    // the latest of each topic, from either instance
    expect(await b.coordinator.latest(key('topic-1'))).toBe('{"n":1}');
    expect(await a.coordinator.latest(key('topic-2'))).toBe('{"n":2}');
    expect(await a.coordinator.latest(key('topic-3'))).toBe(null);
    // unsubscribed: nothing more, and the channel is given up once its last listener left
    offB1();
    offB2();
    await channelsReach(1);
    await b.coordinator.publish(key('topic-1'), '{"n":3}');
    await vi.waitFor(() => expect(got.a1).toEqual(['{"n":1}', '{"n":3}']));
    expect([got.b1, got.b2]).toEqual([['{"n":1}'], ['{"n":2}']]);
    offA1();
    await channelsReach(0);
    await Promise.all([a.coordinator.close(), b.coordinator.close()]);
  });

  it('end to end, with keys made as the hub makes them (pollKey): no key, value, channel or command sent to Redis holds the secret', async () => {
    await vi.waitFor(() => expect(commands.some((c) => c.startsWith('publish'))).toBe(true));
    expect(commands.length).toBeGreaterThan(10);
    const stored: string[] = [];
    for (const name of await raw.keys('*')) stored.push(name, (await raw.type(name)) === 'string' ? ((await raw.get(name)) ?? '') : '');
    expect(stored.length).toBeGreaterThan(0);
    for (const text of [...commands, ...stored]) expect(text).not.toContain(SECRET);
  });
});

describe('RedisCoordinator with Redis unreachable', () => {
  it('never throws: publish and latest degrade, lead and subscribe wait, errors are reported', async () => {
    const port = await freePort(); // nothing listens there
    const { coordinator, errors } = instance(`redis://127.0.0.1:${port}`);
    const onKey = leader(coordinator, 'key');
    const off = coordinator.subscribe('topic', () => undefined);
    await expect(coordinator.publish('topic', '{}')).resolves.toBeUndefined();
    await expect(coordinator.latest('topic')).resolves.toBe(null);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(onKey.starts).toBe(0);
    off();
    onKey.release();
    await coordinator.close();
  });
});
