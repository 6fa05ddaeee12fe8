/**
 * The lease store (src/live/lease.ts) over Redis: each step one Lua script, so it is atomic on the
 * lease key. test/lease.test.ts runs these very scripts on a real redis-server against the
 * in-memory store its timing tests use, so the two cannot drift apart.
 */
import type { Redis } from 'ioredis';
import type { LeaseStore } from './lease.js';

// KEYS[1] the lease key, ARGV[1] the holder, ARGV[2] the TTL in ms.
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return redis.call('pttl', KEYS[1])`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export function redisLeaseStore(redis: Redis): LeaseStore {
  return {
    acquire: async (key, holder, ttlMs) => Number(await redis.eval(ACQUIRE, 1, key, holder, ttlMs)),
    extend: async (key, holder, ttlMs) => Number(await redis.eval(EXTEND, 1, key, holder, ttlMs)) === 1,
    release: async (key, holder) => void (await redis.eval(RELEASE, 1, key, holder)),
  };
}
