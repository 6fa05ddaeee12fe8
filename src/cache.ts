/**
 * Response caching: whole GraphQL answers, keyed by document + variables + a hash of the caller's
 * credential, in memory (one instance) or in Redis (several instances behind a load balancer).
 * Only queries that resolved without any error are stored; introspection never is; there are no
 * mutations. A broken Redis degrades to "no cache", never to a failed request.
 */
import { createRedisCache } from '@envelop/response-cache-redis';
import { createInMemoryCache, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { credentialId } from './upstream/credential.js';

/**
 * How long an answer may be served from the cache, by the types it contains: the shortest wins.
 * The account's balance and counters move with every call the account makes; keys change only
 * when their owner edits them; logs and tasks grow as the account is used.
 */
export const DEFAULT_TTL_MS: Record<string, number> = {
  User: 5_000,
  ApiKey: 30_000,
  Task: 10_000,
  LogConnection: 10_000,
  LogEntry: 10_000,
};
/** answers made only of other types (usage reports, node lookups of unknown kinds) */
export const DEFAULT_OTHER_TTL_MS = 5_000;

export interface CacheOptions {
  /** redis:// URL of a cache shared by several gateway instances; in memory without it */
  redisUrl?: string;
  /** per-type TTLs (ms) merged over DEFAULT_TTL_MS; `other` for answers of other types */
  ttlMs?: Record<string, number> & { other?: number };
}

export interface ResponseCache {
  plugin: Plugin;
  close(): Promise<void>;
}

/**
 * `scope` is what else must match for two callers' answers to be interchangeable besides the
 * credential (the upstream, the masking setting), so instances configured differently never share.
 */
export function createResponseCache(
  options: CacheOptions,
  credentialOf: (request: Request) => string | null,
  scope: string,
  onRedisError: (error: Error) => void,
): ResponseCache {
  const redis = options.redisUrl ? connectRedis(options.redisUrl, onRedisError) : null;
  const cache = storeOnly(redis ? createRedisCache({ redis }) : createInMemoryCache({ max: 10_000 }), onRedisError);
  const { other = DEFAULT_OTHER_TTL_MS, ...perType } = { ...DEFAULT_TTL_MS, ...options.ttlMs };
  const plugin = useResponseCache({
    cache,
    // Never the credential itself: a hash, so neither the cache nor its keys hold a secret.
    session: (request) => {
      const credential = credentialOf(request);
      return credential ? credentialId(`${scope}\n${credential}`) : null;
    },
    // A request without a credential fails anyway; it never reads or fills a shared entry.
    enabled: (request) => credentialOf(request) !== null,
    ttl: other,
    ttlPerSchemaCoordinate: perType,
    shouldCacheResult: ({ result }) => !result.errors?.length,
    // extensions.responseCache tells the request's record whether the answer was a hit (takeCacheOutcome).
    includeExtensionMetadata: true,
  });
  return {
    plugin,
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Whether the cache answered (hit) or was asked in vain (miss), and the result without the
 * extension that told it: clients get that as the x-response-cache header instead.
 */
export function takeCacheOutcome<T extends { extensions?: Record<string, unknown> }>(result: T): { outcome?: 'hit' | 'miss'; result: T } {
  const { responseCache, ...extensions } = result.extensions ?? {};
  if (!responseCache) return { result };
  const outcome = (responseCache as { hit?: boolean }).hit ? 'hit' : 'miss';
  const { extensions: _, ...rest } = result;
  return { outcome, result: (Object.keys(extensions).length ? { ...rest, extensions } : rest) as T };
}

function connectRedis(url: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    // Fail a command fast instead of queueing it while Redis is away: the request goes on uncached.
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    keyPrefix: 'yescale-graphql:',
  });
  redis.on('error', onError);
  return redis;
}

/**
 * Entries expire by TTL alone: with no mutations there is nothing to invalidate, so no entity
 * index is kept (the Redis one never expires). A cache error is a miss, never a failed request.
 */
function storeOnly(cache: Cache, onError: (error: Error) => void): Cache {
  const report = (error: unknown) => onError(error instanceof Error ? error : new Error(String(error)));
  return {
    get: async (key) => {
      try {
        return await cache.get(key);
      } catch (error) {
        report(error);
        return undefined;
      }
    },
    set: async (key, result, _entities, ttl) => {
      try {
        await cache.set(key, result, [], ttl);
      } catch (error) {
        report(error);
      }
    },
    invalidate: () => undefined,
  };
}
