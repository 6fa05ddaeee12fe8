/** User: the caller's own account (GET /yescale/user), and Query.me. */
import type { Context } from '../context.js';
import { BalanceWatch, balancePoller } from '../live/balance-poller.js';
import { pollKey, subscriber } from '../live/caller.js';
import { liveValue } from '../live/hub.js';
import type { UserRecord } from '../upstream/records.js';
import { USER_ROLES } from '../upstream/records.js';
import { builder } from './builder.js';
import { CREDITS_PER_USD, usd } from './scalars.js';
import { maskSecret } from './secrets.js';
import { badInput } from '../queries/validate.js';

export const UserRole = builder.enumType('UserRole', {
  description: 'Upstream role: 0 guest, 1 user, 10 admin, 100 root; anything else is UNKNOWN.',
  values: USER_ROLES,
});

export const User = builder.objectRef<UserRecord>('User');

/** The caller's own user, or null when `username` is someone else (a caller only ever sees itself). */
export async function loadUser(ctx: Context, username?: string): Promise<UserRecord | null> {
  const user = await ctx.loaders.user.load({});
  return username === undefined || user.username === username ? user : null;
}

builder.node(User, {
  description: 'A YEScale account. Only the caller\'s own account is visible.',
  id: { resolve: (user) => user.username },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'requestCount' in value,
  loadOne: (username, ctx) => loadUser(ctx, username),
  fields: (t) => ({
    username: t.exposeString('username'),
    displayName: t.exposeString('displayName', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    role: t.expose('role', { type: UserRole }),
    quota: t.expose('quota', { type: 'Credits', description: 'Remaining balance in credits.' }),
    quotaUsd: t.float({ description: 'Remaining balance in USD.', resolve: (u) => usd(u.quota) }),
    usedQuota: t.expose('usedQuota', { type: 'Credits', description: 'Credits consumed so far.' }),
    usedQuotaUsd: t.float({ resolve: (u) => usd(u.usedQuota) }),
    requestCount: t.exposeInt('requestCount'),
    telegramId: t.exposeString('telegramId', { nullable: true }),
    accessToken: t.string({
      nullable: true,
      description: 'The system access key, masked unless the server runs with --reveal-secrets.',
      resolve: (u, _args, ctx) => maskSecret(u.accessToken, '', ctx),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: User,
    nullable: true,
    description: 'The caller\'s account: profile, balance and usage counters (GET /yescale/user).',
    resolve: (_root, _args, ctx) => ctx.loaders.user.load({}),
  }),
);

/** The threshold of `balance(below:, belowUsd:)` in credits: exactly one of them, not negative. */
function balanceThreshold(below: number | null | undefined, belowUsd: number | null | undefined): number {
  if (below != null && belowUsd != null) throw badInput('below', 'give `below` (credits) or `belowUsd`, not both');
  if (below == null && belowUsd == null) throw badInput('below', 'give a threshold: `below` (credits) or `belowUsd`');
  const [name, credits] = below != null ? ['below', below] : ['belowUsd', Math.round(belowUsd! * CREDITS_PER_USD)];
  if (!Number.isSafeInteger(credits) || credits < 0) throw badInput(name, `must be a balance of 0 or more, got ${below ?? belowUsd}`);
  return credits;
}

builder.subscriptionField('balance', (t) =>
  t.field({
    type: User,
    nullable: true,
    description:
      'The account when its balance falls below the threshold: at once if it already is, then once per crossing (it must rise ' +
      '1% above the threshold first). `accessToken` is null in these events.',
    args: {
      below: t.arg({ type: 'Credits', description: 'Threshold in credits.' }),
      belowUsd: t.arg.float({ description: 'Threshold in USD (instead of `below`).' }),
    },
    subscribe: (_root, args, ctx) => {
      const threshold = balanceThreshold(args.below, args.belowUsd);
      const who = subscriber(ctx.caller);
      // The poll is shared by every threshold; the crossings are this subscriber's own.
      const balance = new BalanceWatch(threshold);
      const watch = { owner: who.id, key: pollKey(who, 'user'), poller: () => balancePoller(ctx.http, who), replayLatest: true };
      return ctx.live.stream(watch, (user) => (balance.crossed((user as UserRecord).quota) ? [user as UserRecord] : []));
    },
    resolve: (user) => liveValue(user),
  }),
);
