/**
 * Users and their API keys. Small enough to materialise; the per-key usage figures
 * (used_quota, accessed_time) live in the log store because they are sums over logs.
 */
import { DEMO_KEY_NAMES, KEY_GROUPS, KEY_MODEL_LIMITS, MODEL_INDEX } from './catalog.js';
import { alnum, base64Token, hash32, hashString, int, rng } from './random.js';

const DAY = 86_400;

export interface AccountSpec {
  username: string;
  displayName: string;
  email: string;
  role: number;
  userId: number;
  keyNames: string[];
  taskCount: number;
  logCount: number;
  /** only the $1 sign-up credit (quota = what is left of it) */
  trial?: boolean;
}

export interface ApiKey {
  id: number;
  name: string;
  key: string;
  status: number;
  createdTime: number;
  expiredTime: number;
  remainQuota: number;
  unlimited: boolean;
  modelLimits: string;
  allowIps: string | null;
  group: string;
  /** relative share of traffic */
  weight: number;
  /** model indices this key may use, or null for any */
  allowed: number[] | null;
  /** unix seconds of a DELETE /yescale/deletekey: new-api soft-deletes a token (DeletedAt), so its logs keep the name */
  deletedAt?: number;
}

export interface Account extends AccountSpec {
  /** per-user salt for every hash stream */
  salt: number;
  accessKey: string;
  quota: number;
  keys: ApiKey[];
}

/** The most users createEmulator({ users }) generates beside the three fixed ones. */
export const MAX_GENERATED_USERS = 10_000;
const GENERATED_KEY_NAMES = ['default', 'app', 'ci', 'staging', 'batch'];

/**
 * users[0] is the demo user; the admin has a moderate history; "newbie" has almost none. Then
 * `generated` ordinary users user0001, user0002, ... (many callers for benchmarks), each with 1-5
 * keys, a few tasks and 200 logs of its own.
 */
export function accountSpecs(demoLogs: number, generated = 0): AccountSpec[] {
  if (!Number.isInteger(generated) || generated < 0 || generated > MAX_GENERATED_USERS) {
    throw new RangeError(`users must be an integer from 0 to ${MAX_GENERATED_USERS}, got ${generated}`);
  }
  const many = Array.from({ length: generated }, (_, i): AccountSpec => {
    const n = i + 1;
    const username = `user${String(n).padStart(4, '0')}`;
    return {
      username, displayName: `User ${n}`, email: `${username}@example.com`, role: 1, userId: 10_000 + n,
      keyNames: GENERATED_KEY_NAMES.slice(0, 1 + (n % GENERATED_KEY_NAMES.length)), taskCount: 3, logCount: 200,
    };
  });
  return [
    { username: 'demo', displayName: 'Demo Account', email: 'demo@example.com', role: 1, userId: 1042, keyNames: DEMO_KEY_NAMES, taskCount: 60, logCount: demoLogs },
    {
      username: 'admin', displayName: 'Ops Admin', email: 'ops@example.com', role: 10, userId: 1,
      keyNames: ['default', 'monitoring', 'reseller-a', 'reseller-b', 'ops-cli', 'grafana', 'backup-key', 'load-test'],
      taskCount: 12, logCount: 3000,
    },
    { username: 'newbie', displayName: 'New User', email: 'newbie@example.com', role: 1, userId: 5317, keyNames: ['default'], taskCount: 1, logCount: 4, trial: true },
    ...many,
  ];
}

/** firstKeyId: ids are sequential across users like database rows. */
export function buildAccount(spec: AccountSpec, seed: number, now: number, firstKeyId: number): Account {
  const salt = hashString(spec.username);
  // the access key depends on the seed only, so a restarted emulator keeps the same credentials
  const accessKey = base64Token(rng(hash32(seed, salt, 0x5eed)));
  const r = rng(hash32(seed, salt, 0xacc0, now));
  const quota = spec.trial ? 500_000 : 5_000_000_000 + Math.floor(r() * 5_000_000_000);
  const n = spec.keyNames.length;
  const keys = spec.keyNames.map((name, k) => buildKey(name, k, n, firstKeyId + k, seed, salt, now));
  return { ...spec, salt, accessKey, quota, keys };
}

function buildKey(name: string, k: number, n: number, id: number, seed: number, salt: number, now: number): ApiKey {
  const r = rng(hash32(seed, salt, 0xce1, k));
  // fixed status pattern so every status 1..4 exists whatever the seed
  const status = [1, 1, 1, 2, 1, 1, 3, 1, 1, 4][k % 10];
  // key 0 predates the log window; later keys are progressively newer
  const ageDays = k === 0 ? 150 : Math.max(3, 95 - (k * 80) / n + r() * 4);
  const createdTime = now - Math.floor(ageDays * DAY) - int(r, 0, 3600);
  let expiredTime = -1;
  if (status === 3) expiredTime = Math.max(createdTime + DAY, now - int(r, 2, 7) * DAY);
  else if (r() < 0.35) expiredTime = now + int(r, 10, 365) * DAY;
  const unlimited = status !== 4 && k % 3 === 0;
  const remainQuota = status === 4 ? 0 : int(r, 1, 200) * 250_000;
  const limits = KEY_MODEL_LIMITS[name] ?? null;
  const allowIps = k % 4 === 2 ? `203.0.113.${10 + k}\n203.0.113.${11 + k}` : k % 5 === 4 ? null : '';
  const weight = (k === 0 ? 12 : 0.3 + r() * 3) * (status === 1 ? 1 : 0.4) * (limits ? 0.6 : 1);
  return {
    id, name, key: alnum(r, 48), status, createdTime, expiredTime, remainQuota, unlimited,
    modelLimits: limits ? limits.join(',') : '',
    allowIps, group: KEY_GROUPS[name] ?? (k % 6 === 5 ? '' : 'normal'),
    weight,
    allowed: limits ? limits.map((m) => MODEL_INDEX.get(m)!) : null,
  };
}
