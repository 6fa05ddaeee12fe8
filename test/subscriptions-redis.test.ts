/**
 * Subscriptions across instances: two real gateways (`serve --redis-url`, child processes), one
 * emulator, one real redis-server. One instance polls for the subscribers of both, events reach
 * both, and when the polling instance is killed (SIGKILL: no release) the other takes over once the
 * lease runs out, and its subscribers' stream goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEmulator, type Emulator } from '../src/emulator/index.js';
import { sse } from './live/clients.js';
import { requireProgram } from './programs.js';
import { startRedis, type RedisServer } from './redis-server.js';

const hasRedisServer = requireProgram('redis-server', 'apt-get install redis-server');

const LEASE_MS = 1_000;
const LOGS = 'subscription { logAdded { createdAt quota modelName username } }';

interface Instance {
  child: ChildProcess;
  url: string;
  /** the id its leases hold in Redis, from its start-up line */
  instanceId: string;
  exited: Promise<unknown>;
}

/** `serve` as an operator runs it, on a free port; resolves once it has said where it listens. */
function startInstance(upstream: string, redisUrl: string): Promise<Instance> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'serve', '--port', '0', '--upstream', upstream, '--redis-url', redisUrl, '--subscription-lease', String(LEASE_MS), '--poll-min-interval', '200', '--poll-max-interval', '400'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up lines in: ${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const url = /yescale-graphql on (http:\/\/\S+)\/graphql/.exec(out)?.[1];
      const instanceId = /shared through Redis as instance ([0-9a-f-]+)/.exec(out)?.[1];
      if (url && instanceId) {
        clearTimeout(timer);
        resolve({ child, url, instanceId, exited });
      }
    });
  });
}

/** The instance's own upstream calls to /yescale/logs, from its /metrics. */
async function logCalls(instance: Instance): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return [...text.matchAll(/^upstream_calls_total\{[^}]*endpoint="\/yescale\/logs"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe.skipIf(!hasRedisServer)('subscriptions shared by two instances through one Redis', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let raw: Redis;
  let emulator: Emulator;
  let instances: Instance[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
    // a frozen clock: entries arrive only when the test advances it
    emulator = createEmulator({ logsPerUser: 2_000, speed: 0 });
    const upstream = await emulator.listen(0, '127.0.0.1');
    instances = await Promise.all([startInstance(upstream, redis.url), startInstance(upstream, redis.url)]);
  }, 120_000);
  afterAll(async () => {
    for (const { child } of instances) child.kill('SIGKILL');
    await Promise.all(instances.map(({ exited }) => exited));
    raw?.disconnect();
    await redis?.stop();
    await emulator?.close();
  });

  it('one instance polls for the subscribers of both; killed, the other takes over within the lease and its stream goes on', async () => {
    const [a, b] = instances;
    const key = emulator.demoAccessKey;
    const streams = [sse(a.url, LOGS, {}, key), sse(b.url, LOGS, {}, key)];
    // the killed instance's stream breaks: that is expected, not a test failure
    for (const stream of streams) stream.ended.catch(() => undefined);

    await vi.waitFor(() => expect(emulator.stats().byPath['/yescale/logs'] ?? 0).toBeGreaterThanOrEqual(5), { timeout: 20_000 });
    const calls = await Promise.all(instances.map(logCalls));
    // exactly one instance calls the upstream: two instances cost one instance's polls
    expect(calls.filter((n) => n > 0)).toHaveLength(1);
    const leaderIndex = calls[0] > 0 ? 0 : 1;
    const [leader, survivor] = leaderIndex === 0 ? [a, b] : [b, a];
    const survivorStream = streams[1 - leaderIndex];

    // entries arriving now reach the subscribers of both instances, the same entries
    emulator.advance(600);
    await vi.waitFor(() => expect(streams.every((s) => s.events.length > 0)).toBe(true), { timeout: 20_000 });
    expect(streams[0].events[0]).toEqual(streams[1].events[0]);
    expect(streams[0].events[0].data.logAdded.username).toBe('demo');

    const [leaseKey, ...others] = await raw.keys('yescale-graphql:live:lease:*');
    expect(others).toEqual([]);
    expect(await raw.get(leaseKey)).toMatch(new RegExp(`^${leader.instanceId}:`));

    leader.child.kill('SIGKILL');
    await leader.exited;
    // its lease is left behind and runs out by itself within one lease time: the bound on the takeover
    expect(await raw.pttl(leaseKey)).toBeLessThanOrEqual(LEASE_MS);
    // the survivor polls now (a second call: the first one marks where new entries start)
    await vi.waitFor(async () => expect(await logCalls(survivor)).toBeGreaterThanOrEqual(2), { timeout: 10 * LEASE_MS });
    expect(await raw.get(leaseKey)).toMatch(new RegExp(`^${survivor.instanceId}:`));

    const seen = survivorStream.events.length;
    emulator.advance(600);
    await vi.waitFor(() => expect(survivorStream.events.length).toBeGreaterThan(seen), { timeout: 20_000 });
    expect(survivorStream.events.every((event) => event.errors === undefined)).toBe(true);
    survivorStream.cancel();
  });
});
