/**
 * ApiKey (GET /yescale/apikeylist): the type, its filter, Query.apiKeys / apiKey and User.apiKeys;
 * and the key writes Mutation.updateApiKeyQuota / deleteApiKey (editquota, deletekey).
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../context.js';
import { UpstreamError } from '../upstream/errors.js';
import { deleteApiKey, updateApiKeyQuota } from '../upstream/yescale.js';
import type { ApiKeyRecord } from '../upstream/records.js';
import { API_KEY_STATUSES } from '../upstream/records.js';
import type { WireApiKeyQuery } from '../upstream/wire.js';
import { builder, type AccountFields } from './builder.js';
import { maskSecret } from './secrets.js';
import { CREDITS_PER_USD, usd } from './scalars.js';
import { User } from './user.js';
import { badInput, checkString } from '../queries/validate.js';

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

/** Query.apiKeys and User.apiKeys. */
const apiKeysField = (t: AccountFields) =>
  t.field({
    type: [ApiKey],
    nullable: true,
    description: "The caller's API keys (GET /yescale/apikeylist?keyword=&token=).",
    args: { filter: t.arg({ type: ApiKeyFilter }) },
    resolve: (_parent, { filter }, ctx) => ctx.loaders.apiKeys.load(apiKeyQuery(filter)),
  });

builder.queryField('apiKeys', apiKeysField);
builder.objectField(User, 'apiKeys', apiKeysField);

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

/** A mutation needs a credential; without one the upstream would answer 401 anyway, so no call is made. */
function writer(ctx: Context) {
  if (!ctx.caller) throw new UpstreamError('UNAUTHENTICATED', 'A key change needs an access key (Authorization: Bearer ...)');
  return ctx.caller;
}

/** Exactly one of credits / USD, as a whole non-negative number of credits within 2^53-1. */
export function quotaCredits(remainQuota: number | null | undefined, remainQuotaUsd: number | null | undefined): number {
  const hasCredits = remainQuota !== null && remainQuota !== undefined;
  const hasUsd = remainQuotaUsd !== null && remainQuotaUsd !== undefined;
  if (hasCredits === hasUsd) throw badInput('input', 'give exactly one of remainQuota and remainQuotaUsd');
  const credits = hasCredits ? remainQuota! : Math.round(remainQuotaUsd! * CREDITS_PER_USD);
  const argument = hasCredits ? 'input.remainQuota' : 'input.remainQuotaUsd';
  if (!Number.isFinite(credits) || !Number.isSafeInteger(credits)) throw badInput(argument, 'expected a finite amount of at most 2^53-1 credits');
  if (credits < 0) throw badInput(argument, 'expected a non-negative amount');
  return credits;
}

builder.relayMutationField(
  'updateApiKeyQuota',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The ApiKey ID, or the upstream numeric id.' }),
      remainQuota: t.field({ type: 'Credits', description: 'The new remaining quota in credits. Give this or remainQuotaUsd.' }),
      remainQuotaUsd: t.float({
        description: 'The new remaining quota in USD, converted to Math.round(usd * 500000) credits. Give this or remainQuota.',
      }),
    }),
  },
  {
    description:
      "Sets a key's remaining quota (PUT /yescale/editquota/{id}). The upstream never changes the key's status here: an EXHAUSTED key stays EXHAUSTED. NOT_FOUND when the caller has no such key.",
    resolve: async (_root, { input }, ctx) => {
      const id = parseApiKeyId(String(input.id));
      const credits = quotaCredits(input.remainQuota, input.remainQuotaUsd);
      const caller = writer(ctx);
      await updateApiKeyQuota(ctx.http, caller, id, credits);
      // the list from before the write is dropped; the one read now serves the rest of the request
      const keys = await ctx.loaders.apiKeys.clearAll().load({});
      return { apiKey: keys.find((key) => key.id === id) ?? null };
    },
  },
  {
    outputFields: (t) => ({
      apiKey: t.field({ type: ApiKey, nullable: true, description: 'The key as the upstream lists it after the change.', resolve: (p) => p.apiKey }),
    }),
  },
);

builder.relayMutationField(
  'deleteApiKey',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The ApiKey ID, or the upstream numeric id.' }),
    }),
  },
  {
    description:
      "Deletes a key (DELETE /yescale/deletekey/{id}). The upstream soft-deletes: the key leaves apiKeys, its past logs keep its name. NOT_FOUND when the caller has no such key. Never retried.",
    resolve: async (_root, { input }, ctx) => {
      const id = parseApiKeyId(String(input.id));
      await deleteApiKey(ctx.http, writer(ctx), id);
      ctx.loaders.apiKeys.clearAll();
      return { id };
    },
  },
  {
    outputFields: (t) => ({
      deletedApiKeyId: t.id({ description: 'The global ID of the deleted key.', resolve: (p) => encodeGlobalID('ApiKey', p.id) }),
    }),
  },
);
