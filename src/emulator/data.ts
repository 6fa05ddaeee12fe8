/**
 * The whole fake world for one (seed, now): accounts, their keys and tasks, and a lazily
 * generated log store per account. Turns internal state into wire objects.
 */
import type { WireTask, WireToken, WireUser } from '../upstream/wire.js';
import { accountSpecs, buildAccount, type Account } from './accounts.js';
import { LiveAccount } from './live.js';
import type { Era } from './log-text.js';
import { LogStore } from './logs.js';
import { buildTasks } from './tasks.js';

export interface UserData {
  account: Account;
  logs: LogStore;
  tasks: WireTask[];
  /** moves the tasks and log entries along the emulator clock */
  live: LiveAccount;
}

export class Dataset {
  readonly users: UserData[] = [];
  private readonly byKey = new Map<string, UserData>();
  private readonly byName = new Map<string, UserData>();
  /** emulated unix seconds everything has been applied up to (advanceTo) */
  time: number;

  constructor(seed: number, now: number, demoLogs: number, era: Era = 'yescale', generatedUsers = 0) {
    this.time = now;
    let keyId = 1;
    let taskId = 1;
    const specs = accountSpecs(demoLogs, generatedUsers);
    const firstNewTask = 1 + specs.reduce((n, spec) => n + spec.taskCount, 0);
    for (const [index, spec] of specs.entries()) {
      const account = buildAccount(spec, seed, now, keyId);
      const tasks = buildTasks(account, seed, now, taskId);
      // the log store writes each task's charge (and a failed task's refund) and moves the task's times to them
      const logs = new LogStore(account, seed, now, tasks, era);
      tasks.sort((a, b) => b.submit_time - a.submit_time);
      const u: UserData = { account, logs, tasks, live: new LiveAccount(account, logs, tasks, seed, now, { first: firstNewTask, index, accounts: specs.length }) };
      // a trial account's remaining quota is what is left of the $1 sign-up credit
      if (account.trial) account.quota = Math.max(0, 500_000 - u.logs.usedQuota);
      keyId += account.keys.length;
      taskId += account.taskCount;
      this.users.push(u);
      this.byKey.set(account.accessKey, u);
      this.byName.set(account.username, u);
    }
  }

  /** Applies everything that happened up to emulated time `t` (unix seconds) to every account. */
  advanceTo(t: number): void {
    if (t <= this.time) return;
    for (const u of this.users) u.live.advanceTo(t);
    this.time = t;
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
    quota: u.logs.balance,
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
