/**
 * Response caching: whole GraphQL answers, keyed by document + variables + a hash of the caller's
 * credential, in memory (one instance) or in Redis (several instances behind a load balancer).
 * Only queries that resolved without any error are stored; introspection never is. A mutation
 * makes every entry of its caller unreachable (a per-caller generation in the key), and no one
 * else's. A broken Redis degrades to "no cache", never to a failed request.
 */
import { hash } from 'node:crypto';
import { createRedisCache } from '@envelop/response-cache-redis';
import { createInMemoryCache, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Credential } from '../upstream/credential.js';

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
  /** after a mutation, drops the caller's entries; place it beside `plugin` */
  invalidator: Plugin;
  close(): Promise<void>;
}

/**
 * `scope` is what else must match for two callers' answers to be interchangeable besides the
 * credential (the upstream, the masking setting), so instances configured differently never share.
 */
export function createResponseCache(
  options: CacheOptions,
  credentialOf: (request: Request) => Credential | null,
  scope: string,
  onRedisError: (error: Error) => void,
): ResponseCache {
  const redis = options.redisUrl ? connectRedis(options.redisUrl, onRedisError) : null;
  const cache = storeOnly(redis ? createRedisCache({ redis }) : createInMemoryCache({ max: 10_000 }), onRedisError);
  const { other = DEFAULT_OTHER_TTL_MS, ...perType } = { ...DEFAULT_TTL_MS, ...options.ttlMs };
  const generations = redis ? redisGenerations(redis, onRedisError) : memoryGenerations();
  // Never the credential itself: its hash, so neither the cache nor its keys hold a secret.
  const scopeId = hash('sha256', scope, 'hex').slice(0, 16);
  const sessionOf = (request: Request) => {
    const credential = credentialOf(request);
    return credential ? `${scopeId}.${credential.id}` : null;
  };
  const plugin = useResponseCache({
    cache,
    session: sessionOf,
    // The caller's generation is part of every key: a mutation bumps it, so all of that caller's
    // entries (whatever types they hold) stop being found and expire by TTL; other callers' keys
    // do not change. No entity index is needed for that (see storeOnly).
    // (variables in the order sent: another order is only a miss)
    buildResponseCacheKey: async (params) =>
      hash(
        'sha256',
        [
          params.documentString,
          params.operationName ?? '',
          JSON.stringify(params.variableValues ?? {}),
          params.sessionId ? `${params.sessionId}#${await generations.get(params.sessionId)}` : '',
        ].join('|'),
        'hex',
      ),
    // A request without a credential fails anyway; it never reads or fills a shared entry.
    enabled: (request) => credentialOf(request) !== null,
    ttl: other,
    ttlPerSchemaCoordinate: perType,
    shouldCacheResult: ({ result }) => !result.errors?.length,
    // extensions.responseCache tells the request's record whether the answer was a hit (takeCacheOutcome).
    includeExtensionMetadata: true,
  });
  const invalidator: Plugin<{ request: Request }> = {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      const session = sessionOf(args.contextValue.request);
      // after the writes, whatever their outcome: a failed or partial one may still have changed a key
      return session ? { onExecuteDone: () => generations.bump(session) } : undefined;
    },
  };
  return {
    plugin,
    invalidator: invalidator as Plugin,
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

interface Generations {
  get(session: string): Promise<string>;
  bump(session: string): Promise<void>;
}

/** Callers that ever mutated; more than this many forgets them all (their old keys were bumped past anyway, a reset only risks a stale hit for a TTL). */
const MAX_GENERATIONS = 100_000;

function memoryGenerations(): Generations {
  const map = new Map<string, number>();
  return {
    get: async (session) => String(map.get(session) ?? 0),
    bump: async (session) => {
      if (map.size >= MAX_GENERATIONS && !map.has(session)) map.clear();
      map.set(session, (map.get(session) ?? 0) + 1);
    },
  };
}

/** Shared by every instance, so a mutation through one invalidates what the others cached. */
function redisGenerations(redis: Redis, onError: (error: Error) => void): Generations {
  const key = (session: string) => `generation:${session}`;
  return {
    get: async (session) => {
      try {
        return (await redis.get(key(session))) ?? '0';
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
        // unknown generation: a key no entry has, so a miss rather than a possibly stale hit
        return `unknown-${Math.random()}`;
      }
    },
    bump: async (session) => {
      try {
        await redis.incr(key(session));
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

/**
 * Entries expire by TTL alone: a mutation invalidates by generation (above), so no entity
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
