/**
 * The whole fake world for one (seed, now): accounts, their keys and tasks, and a lazily
 * generated log store per account. Turns internal state into wire objects.
 */
import type { WireTask, WireToken, WireUser } from '../upstream/wire.js';
import { accountSpecs, buildAccount, type Account } from './accounts.js';
import { LogStore, type Era } from './logs.js';
import { buildTasks } from './tasks.js';

export interface UserData {
  account: Account;
  logs: LogStore;
  tasks: WireTask[];
}

export class Dataset {
  readonly users: UserData[] = [];
  private readonly byKey = new Map<string, UserData>();
  private readonly byName = new Map<string, UserData>();

  constructor(seed: number, now: number, demoLogs: number, era: Era = 'yescale', generatedUsers = 0) {
    let keyId = 1;
    let taskId = 1;
    for (const spec of accountSpecs(demoLogs, generatedUsers)) {
      const account = buildAccount(spec, seed, now, keyId);
      const tasks = buildTasks(account, seed, now, taskId);
      // the log store writes each task's charge (and a failed task's refund) and moves the task's times to them
      const u: UserData = { account, logs: new LogStore(account, seed, now, tasks, era), tasks };
      u.tasks.sort((a, b) => b.submit_time - a.submit_time);
      // a trial account's remaining quota is what is left of the $1 sign-up credit
      if (account.trial) account.quota = Math.max(0, 500_000 - u.logs.usedQuota);
      keyId += account.keys.length;
      taskId += account.taskCount;
      this.users.push(u);
      this.byKey.set(account.accessKey, u);
      this.byName.set(account.username, u);
    }
  }

  byAccessKey(key: string): UserData | undefined {
    return this.byKey.get(key);
  }

  /** Throws for an unknown name: callers are tests and the control surface. */
  get(username: string): UserData {
    const u = this.byName.get(username);
    if (!u) throw new Error(`unknown emulator user: ${username}`);
    return u;
  }
}

/** Keys in alphabetical order, as in the YEScale doc sample. */
export function wireUser(u: UserData): WireUser {
  const a = u.account;
  return {
    access_token: a.accessKey,
    display_name: a.displayName,
    email: a.email,
    quota: Math.max(0, a.quota - (u.logs.usedQuota - u.logs.baseUsedQuota)),
    request_count: u.logs.requestCount,
    role: a.role,
    telegram_id: '',
    used_quota: u.logs.usedQuota,
    username: a.username,
  };
}

export function wireTokens(u: UserData): WireToken[] {
  // a soft-deleted key leaves the list; its index still addresses the per-key log sums
  return u.account.keys.flatMap((k, i) => (k.deletedAt !== undefined ? [] : [{
    id: k.id,
    user_id: u.account.userId,
    key: k.key,
    status: k.status,
    name: k.name,
    created_time: k.createdTime,
    accessed_time: Math.max(k.createdTime, u.logs.keyAccessed[i]),
    expired_time: k.expiredTime,
    remain_quota: k.remainQuota,
    unlimited_quota: k.unlimited,
    used_quota: u.logs.keyUsed[i],
    model_limits_enabled: k.modelLimits !== '',
    model_limits: k.modelLimits,
    allow_ips: k.allowIps,
    group: k.group,
    DeletedAt: null,
  }]));
}
