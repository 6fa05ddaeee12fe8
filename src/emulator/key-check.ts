/**
 * What new-api checks when a request presents an API key: the key's own state (its token validation,
 * which also marks a key EXPIRED or EXHAUSTED the moment it is found so), then whether the user and
 * the key can pay for the request. A refused request writes no log entry.
 */
import type { ApiKey } from './accounts.js';

/** Whether the key lets a request through at `t`; flips an ENABLED key that has expired (3) or run out (4). */
export function presentKey(k: ApiKey, t: number): boolean {
  if (k.status !== 1 || k.deletedAt !== undefined) return false;
  if (k.expiredTime !== -1 && k.expiredTime < t) k.status = 3;
  else if (!k.unlimited && k.remainQuota <= 0) k.status = 4;
  return k.status === 1;
}

/** presentKey, then quota for `quota` credits: the user's balance and, unless unlimited, the key's. */
export function canPay(k: ApiKey, balance: number, quota: number, t: number): boolean {
  return presentKey(k, t) && balance >= quota && (k.unlimited || k.remainQuota >= quota);
}
