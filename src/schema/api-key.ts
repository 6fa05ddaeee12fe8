/** ApiKey (GET /yescale/apikeylist): the type, its filter, Query.apiKeys / apiKey and User.apiKeys. */
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../context.js';
import type { ApiKeyRecord } from '../upstream/records.js';
import { API_KEY_STATUSES } from '../upstream/records.js';
import type { WireApiKeyQuery } from '../upstream/wire.js';
import { builder } from './builder.js';
import { maskSecret } from './secrets.js';
import { User, usd } from './user.js';
import { badInput, checkString } from './validate.js';

export const ApiKeyStatus = builder.enumType('ApiKeyStatus', {
  description: 'Upstream status 1 enabled, 2 disabled, 3 expired, 4 exhausted; anything else is UNKNOWN.',
  values: API_KEY_STATUSES,
});

export const ApiKey = builder.objectRef<ApiKeyRecord>('ApiKey');

export const ApiKeyFilter = builder.inputType('ApiKeyFilter', {
  description: 'Both filters are applied by the upstream (substring matches).',
  fields: (t) => ({
    keyword: t.string({ description: 'Part of the key name (upstream `keyword`).' }),
    token: t.string({ description: 'Part of the key value, with or without the `sk-` prefix (upstream `token`).' }),
  }),
});

type ApiKeyFilterShape = { keyword?: string | null; token?: string | null } | null | undefined;

export function apiKeyQuery(filter: ApiKeyFilterShape, argument = 'filter'): WireApiKeyQuery {
  checkString(`${argument}.keyword`, filter?.keyword);
  checkString(`${argument}.token`, filter?.token);
  // new-api trims the characters s, k and - from both ends of `token`, mangling the
  // prefix-less key itself; strip a literal `sk-` here so the upstream sees the key.
  const token = filter?.token?.trim().replace(/^sk-/, '');
  return { keyword: filter?.keyword?.trim() || undefined, token: token || undefined };
}

/** Every key of the caller, by upstream id: one call however many ids. */
export async function loadApiKeys(ctx: Context, ids: readonly number[]): Promise<(ApiKeyRecord | null)[]> {
  const all = await ctx.loaders.apiKeys.load({});
  const byId = new Map(all.map((key) => [key.id, key]));
  return ids.map((id) => byId.get(id) ?? null);
}

builder.node(ApiKey, {
  description: 'An API key (`sk-…`) of the caller, with its quota and limits.',
  id: { resolve: (key) => key.id },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'unlimitedQuota' in value,
  loadMany: (ids, ctx) => loadApiKeys(ctx, ids.map(Number)),
  fields: (t) => ({
    upstreamId: t.exposeInt('id', { description: 'The upstream numeric id (`id` in /yescale/apikeylist).' }),
    name: t.exposeString('name'),
    key: t.string({
      nullable: true,
      description: 'The key value, `sk-abcd…wxyz` unless the server runs with --reveal-secrets.',
      resolve: (k, _args, ctx) => maskSecret(k.key, 'sk-', ctx),
    }),
    status: t.expose('status', { type: ApiKeyStatus }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'null: never expires.' }),
    remainQuota: t.expose('remainQuota', { type: 'Credits', description: 'Meaningless when unlimitedQuota is true.' }),
    remainQuotaUsd: t.float({ resolve: (k) => usd(k.remainQuota) }),
    unlimitedQuota: t.exposeBoolean('unlimitedQuota'),
    usedQuota: t.expose('usedQuota', { type: 'Credits' }),
    usedQuotaUsd: t.float({ resolve: (k) => usd(k.usedQuota) }),
    modelLimitsEnabled: t.exposeBoolean('modelLimitsEnabled'),
    modelLimits: t.exposeStringList('modelLimits', { description: 'Models this key may call (when modelLimitsEnabled).' }),
    allowIps: t.exposeStringList('allowIps', { description: 'IP allow list; empty: any.' }),
    group: t.exposeString('group', { nullable: true }),
  }),
});

const API_KEYS_DESCRIPTION = "The caller's API keys (GET /yescale/apikeylist?keyword=&token=).";

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKey],
    nullable: true,
    description: API_KEYS_DESCRIPTION,
    args: { filter: t.arg({ type: ApiKeyFilter }) },
    resolve: (_root, { filter }, ctx) => ctx.loaders.apiKeys.load(apiKeyQuery(filter)),
  }),
);

builder.objectField(User, 'apiKeys', (t) =>
  t.field({
    type: [ApiKey],
    nullable: true,
    description: API_KEYS_DESCRIPTION,
    args: { filter: t.arg({ type: ApiKeyFilter }) },
    resolve: (_user, { filter }, ctx) => ctx.loaders.apiKeys.load(apiKeyQuery(filter)),
  }),
);

/** `apiKey(id:)` takes the global ID or the upstream number. */
function parseApiKeyId(id: string): number {
  if (/^\d+$/.test(id)) return Number(id);
  try {
    const global = decodeGlobalID(id);
    if (global.typename === 'ApiKey' && /^\d+$/.test(global.id)) return Number(global.id);
  } catch {
    // fall through to the error below
  }
  throw badInput('id', 'expected an ApiKey ID or the upstream numeric id');
}

builder.queryField('apiKey', (t) =>
  t.field({
    type: ApiKey,
    nullable: true,
    description: 'One API key by its ID (or upstream numeric id); null if the caller has no such key.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await loadApiKeys(ctx, [parseApiKeyId(String(id))]))[0],
  }),
);
