/**
 * The one way the gateway connects to Redis (the shared response cache, the subscription
 * coordinator): every key under one prefix, and commands that fail fast instead of queueing while
 * Redis is away, so a caller degrades (uncached answer, a paused subscription) instead of hanging.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

/** What every key (and pub/sub channel) of this gateway starts with, so it can share a Redis with others. */
export const REDIS_KEY_PREFIX = 'yescale-graphql:';

// ioredis weighs ~20 MB of memory: loaded only when Redis is configured.
const require = createRequire(import.meta.url);

export function connectRedis(url: string, onError: (error: Error) => void): Redis {
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    keyPrefix: REDIS_KEY_PREFIX,
  });
  // Without a listener ioredis prints every failed reconnect; with one, the owner decides (a warning).
  redis.on('error', onError);
  return redis;
}
