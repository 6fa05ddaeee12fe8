/**
 * Response caching: whole GraphQL answers, keyed by document + variables + a hash of the caller's
 * credential, in memory (one instance) or in Redis (several instances behind a load balancer).
 * Only queries that resolved without any error are stored; introspection never is. A mutation
 * makes every entry of its caller unreachable (a per-caller generation in the key), and no one
 * else's. A broken Redis degrades to "no cache", never to a failed request.
 *
 * The work is split as in yoga's own plugin (@graphql-yoga/plugin-response-cache), whose envelop
 * half cannot run without its yoga half and so not on src/http/fast-path.ts: `plugins` are envelop
 * hooks (@envelop/response-cache: the store with the TTL of the types in the answer, its lookup
 * being the one `answer` made; the generation bump after a mutation), run on every path; `http`
 * holds the yoga-level hooks: a 304 to a matching If-None-Match, and the answer found from the
 * request's parameters before anything is parsed. The fast path calls `answer` as `http` does in
 * onParams (after its cached parse and validation, before executing), and leaves requests with
 * If-None-Match to yoga.
 */
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInMemoryCache, resultWithMetadata, useResponseCache, type Cache } from '@envelop/response-cache';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { connectRedis } from '../redis.js';
import type { Credential, HeaderSource } from '../upstream/credential.js';

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

/** What a request asks for: its document text, variables and operation name. */
export interface OperationParams {
  query?: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

export interface ResponseCache {
  /** envelop hooks: serve and store answers, drop the caller's entries after a mutation */
  plugins: Plugin[];
  /** yoga's HTTP hooks: a 304 to a matching If-None-Match, the cached answer before parsing (the fast path: before executing) */
  http: Plugin;
  /**
   * The cached answer of `params` for this caller, or null; either way the request's key, which
   * the envelop hooks need, is remembered on `context` (the object its execution gets). Requests
   * that did not pass here (WebSocket operations) are neither served nor stored.
   */
  answer(context: object, request: HeaderSource, params: OperationParams): Promise<ExecutionResult | null>;
  close(): Promise<void>;
}

/**
 * `scope` is what else must match for two callers' answers to be interchangeable besides the
 * credential (the upstream, the masking setting), so instances configured differently never share.
 */
export function createResponseCache(
  options: CacheOptions,
  credentialOf: (request: HeaderSource) => Credential | null,
  scope: string,
  onRedisError: (error: Error) => void,
): ResponseCache {
  // A failed command is a miss or a skipped store: the request goes on uncached.
  const redis = options.redisUrl ? connectRedis(options.redisUrl, onRedisError) : null;
  const cache = storeOnly(redis ? redisCache(redis) : createInMemoryCache({ max: 10_000 }), onRedisError);
  const { other = DEFAULT_OTHER_TTL_MS, ...perType } = { ...DEFAULT_TTL_MS, ...options.ttlMs };
  const generations = redis ? redisGenerations(redis, onRedisError) : memoryGenerations();
  // Never the credential itself: its hash, so neither the cache nor its keys hold a secret.
  const scopeId = hash('sha256', scope, 'hex').slice(0, 16);
  // A request without a credential fails anyway; it never reads or fills a shared entry.
  const sessionOf = (request: HeaderSource) => {
    const credential = credentialOf(request);
    return credential ? `${scopeId}.${credential.id}` : null;
  };
  // Every key starts with its owner: the caller and their generation. A mutation bumps the
  // generation, so all of that caller's entries (whatever types they hold) stop being found and
  // expire by TTL; other callers' keys do not change. No entity index is needed for that (see
  // storeOnly). The key is also the ETag: a 304 is given only to the owner of the entry (onRequest).
  const ownerOf = async (session: string) => hash('sha256', `${session}#${await generations.get(session)}`, 'hex').slice(0, 32);
  // (variables in the order sent: another order is only a miss)
  const keyOf = async (params: OperationParams, session: string) =>
    `${await ownerOf(session)}.${hash('sha256', JSON.stringify([params.query ?? '', params.operationName ?? '', params.variables ?? {}]), 'hex')}`;
  const keys = new WeakMap<object, Promise<string>>();

  const answer = async (context: object, request: HeaderSource, params: OperationParams) => {
    const session = sessionOf(request);
    if (!session) return null;
    const key = keyOf(params, session);
    keys.set(context, key);
    const cached = await cache.get(await key);
    return cached ? resultWithMetadata(cached, { hit: true }) : null;
  };

  const store = useResponseCache<{ request: HeaderSource }>({
    // envelop's plugin looks the key up again before executing: `answer` already did, and a hit
    // never executes, so what executes was a miss (one read of the cache a request, not two)
    cache: { ...cache, get: () => undefined },
    // (required, and read by nothing here: the key is ours, below, and no field is PRIVATE-scoped)
    session: () => null,
    enabled: (context) => keys.has(context),
    buildResponseCacheKey: ({ context }) => keys.get(context as object)!,
    ttl: other,
    ttlPerSchemaCoordinate: perType,
    // As yoga's plugin: an answer worth storing carries its key as ETag, for a later If-None-Match.
    shouldCacheResult: ({ cacheKey, result }) => {
      if (result.errors?.length) return false;
      const extensions = (result.extensions ??= {}) as { http?: { headers?: Record<string, string> } };
      const headers = ((extensions.http ??= {}).headers ??= {});
      headers['ETag'] = cacheKey;
      headers['Last-Modified'] = new Date().toUTCString();
      return true;
    },
    // extensions.responseCache tells the request's record whether the answer was a hit (takeCacheOutcome).
    includeExtensionMetadata: true,
  });
  const invalidator: Plugin<{ request: HeaderSource }> = {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      const session = sessionOf(args.contextValue.request);
      // after the writes, whatever their outcome: a failed or partial one may still have changed a key
      return session ? { onExecuteDone: () => generations.bump(session) } : undefined;
    },
  };
  const http: Plugin = {
    // yoga's plugin's rule: the entry of that key still lives, and is no older than If-Modified-Since
    onRequest({ request, fetchAPI, endResponse }) {
      const etag = request.headers.get('if-none-match');
      const session = sessionOf(request);
      if (!etag || !session) return;
      // only the owner's entry of their current generation: not another caller's, not one from before a mutation
      const own = ownerOf(session).then((owner) => (etag.startsWith(`${owner}.`) ? cache.get(etag) : undefined));
      return own.then((cached) => {
        const lastModified = (cached?.extensions?.http as { headers?: Record<string, string> } | undefined)?.headers?.['Last-Modified'];
        if (lastModified === undefined) return;
        const since = request.headers.get('if-modified-since');
        if (since !== null && !(new Date(since).getTime() >= new Date(lastModified).getTime())) return;
        endResponse(new fetchAPI.Response(null, { status: 304, headers: { ETag: etag, 'Last-Modified': lastModified } }));
      });
    },
    onParams({ request, params, context, setResult }) {
      return answer(context, request, params).then((hit) => {
        if (hit) setResult(hit);
      });
    },
  };
  return {
    plugins: [store as Plugin, invalidator as Plugin],
    http,
    answer,
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

// The cache adapter (like ioredis, src/redis.ts) is loaded only when Redis is configured: ~20 MB of memory.
const require = createRequire(import.meta.url);

function redisCache(redis: Redis): Cache {
  const { createRedisCache } = require('@envelop/response-cache-redis') as typeof import('@envelop/response-cache-redis');
  return createRedisCache({ redis });
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
