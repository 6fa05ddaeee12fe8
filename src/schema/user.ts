/** User: the caller's own account (GET /yescale/user), and Query.me. */
import type { Context } from '../context.js';
import type { UserRecord } from '../upstream/records.js';
import { USER_ROLES } from '../upstream/records.js';
import { builder } from './builder.js';
import { usd } from './scalars.js';
import { maskSecret } from './secrets.js';

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
