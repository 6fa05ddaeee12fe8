/**
 * Subscriptions shared by several gateway instances through one Redis: one instance at a time
 * polls a key under a lease (src/live/lease.ts), and events reach every instance's subscribers
 * over Redis pub/sub. Keys and topics are used as given: they are already hashes of the
 * credential's id and the query (pollKey in src/live/caller.ts, the one place they are hashed).
 * Redis being away never throws: the error is reported, publishing and `latest` degrade to
 * nothing, and leases are retried until Redis is back.
 *
 * Pub/sub is written here rather than taken from @graphql-yoga/redis-event-target: that one leaves
 * the promises of PUBLISH and UNSUBSCRIBE unhandled (a rejection while Redis is down would end the
 * process) and has no place for a topic's latest payload.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, REDIS_KEY_PREFIX } from '../redis.js';
import type { Coordinator } from './coordinator.js';
import { DEFAULT_LEASE_MS, holdLease, type HeldLease, type LeaseStore } from './lease.js';
import { redisLeaseStore } from './redis-lease.js';

/** How long a topic's latest payload is kept after it was published (pollers publish on change only). */
export const DEFAULT_LATEST_MS = 60 * 60_000;

export interface RedisCoordinatorOptions {
  /** redis:// or rediss:// URL, the same Redis for every instance that shares the work */
  url: string;
  leaseMs?: number;
  latestMs?: number;
  /** a Redis error (unreachable, timed out); the coordinator goes on degraded */
  onError?: (error: Error) => void;
}

export class RedisCoordinator implements Coordinator {
  /** this instance in lease values, so an operator can tell who polls what */
  readonly instanceId = randomUUID();
  private readonly redis: Redis;
  /** a connection in subscribe mode can send nothing else, so it is a second one */
  private readonly subscriber: Redis;
  private readonly leaseMs: number;
  private readonly latestMs: number;
  private readonly onError: (error: Error) => void;
  private readonly store: LeaseStore;
  private readonly leases = new Set<HeldLease>();
  /** releases under way, so close() lets them reach Redis before it disconnects */
  private readonly releasing = new Set<Promise<void>>();
  /** local listeners per Redis channel; the channel is subscribed while it has any */
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private leaseCount = 0;

  constructor(options: RedisCoordinatorOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.latestMs = options.latestMs ?? DEFAULT_LATEST_MS;
    this.onError = options.onError ?? (() => undefined);
    this.redis = connectRedis(options.url, this.onError);
    this.subscriber = connectRedis(options.url, this.onError);
    this.subscriber.on('message', (channel: string, payload: string) => this.deliver(channel, payload));
    // (Re)subscribe what has listeners on every connect: a SUBSCRIBE that failed while Redis was
    // away is not one ioredis would resubscribe by itself.
    this.subscriber.on('ready', () => {
      if (this.listeners.size) this.subscriber.subscribe(...this.listeners.keys()).catch(this.report);
    });
    this.store = redisLeaseStore(this.redis);
  }

  lead(key: string, start: (signal: AbortSignal) => void): { release(): void } {
    const holder = `${this.instanceId}:${++this.leaseCount}`;
    const lease = holdLease(this.store, `live:lease:${key}`, holder, { ttlMs: this.leaseMs, onError: this.report }, start);
    this.leases.add(lease);
    return {
      release: () => {
        if (!this.leases.delete(lease)) return;
        const done = lease.release().finally(() => this.releasing.delete(done));
        this.releasing.add(done);
      },
    };
  }

  async publish(topic: string, payload: string): Promise<void> {
    try {
      // one round trip; the latest is stored before anyone hears of it
      await this.redis.multi().set(latestKey(topic), payload, 'PX', this.latestMs).publish(channel(topic), payload).exec();
    } catch (error) {
      this.report(error);
    }
  }

  async latest(topic: string): Promise<string | null> {
    try {
      return await this.redis.get(latestKey(topic));
    } catch (error) {
      this.report(error);
      return null;
    }
  }

  subscribe(topic: string, onMessage: (payload: string) => void): () => void {
    const name = channel(topic);
    // a function of its own, so the same onMessage subscribed twice is two listeners
    const listener = (payload: string) => onMessage(payload);
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
      this.subscriber.subscribe(name).catch(this.report);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(name);
      if (!current?.delete(listener) || current.size) return;
      this.listeners.delete(name);
      this.subscriber.unsubscribe(name).catch(this.report);
    };
  }

  /** Releases every lease (another instance takes over at once), then disconnects. */
  async close(): Promise<void> {
    const leases = [...this.leases];
    this.leases.clear();
    await Promise.all([...leases.map((lease) => lease.release()), ...this.releasing]);
    this.listeners.clear();
    await Promise.all([this.redis, this.subscriber].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  private deliver(name: string, payload: string): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.report(error);
      }
    }
  }

  private readonly report = (error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error)));
}

function latestKey(topic: string): string {
  return `live:latest:${topic}`;
}

/** ioredis prefixes keys but not channels: the prefix is added here so channels share the namespace. */
function channel(topic: string): string {
  return `${REDIS_KEY_PREFIX}live:${topic}`;
}
