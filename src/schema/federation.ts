/**
 * Apollo Federation v2: the entities this subgraph offers to a supergraph. Every reference is
 * resolved through the request's loaders, so one `_entities` call with any number of
 * representations costs at most one upstream call per endpoint, and only with the caller's own
 * credential: a reference to something the caller cannot see resolves to null.
 *
 * Every resolveReference is async on purpose: @apollo/subgraph maps the representations
 * synchronously, so a synchronous throw would fail the whole `_entities` list and leave the
 * other representations' promises rejecting unhandled; a rejection fails only its own entry.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { ApiKey, loadApiKeys } from './api-key.js';
import { builder } from './builder.js';
import { Task } from './task.js';
import { loadUser, User } from './user.js';
import { badInput } from '../queries/validate.js';

/** The local id inside a Relay global ID of `typename`; a malformed one is the caller's error, made before any upstream call. */
function localId(typename: string, globalId: unknown): string {
  try {
    const decoded = decodeGlobalID(String(globalId));
    if (decoded.typename === typename && decoded.id !== '') return decoded.id;
  } catch {
    // fall through to the error below
  }
  throw badInput('representations', `${JSON.stringify(globalId)} is not a ${typename} ID`);
}

function upstreamNumber(value: unknown): number {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  throw badInput('representations', `${JSON.stringify(value)} is not an ApiKey upstreamId`);
}

// A user is only ever the caller: another username resolves to null (GET /yescale/user, once).
// Also by its Relay global ID, so that a supergraph whose `Query.node` lives in another subgraph
// can hand any of our Node ids (User, ApiKey, Task) back to us by `id` alone (docs/federation.md).
builder.asEntity(User, {
  key: [builder.selection<{ username: string }>('username'), builder.selection<{ id: string }>('id')],
  resolveReference: async (ref, ctx) => loadUser(ctx, 'id' in ref ? localId('User', ref.id) : ref.username),
});

// By global ID (what this API hands out) or by the upstream number (what teams tend to store);
// either way one GET /yescale/apikeylist for all of them.
builder.asEntity(ApiKey, {
  key: [builder.selection<{ id: string }>('id'), builder.selection<{ upstreamId: number }>('upstreamId')],
  resolveReference: async (ref, ctx) => {
    const id = 'id' in ref ? Number(localId('ApiKey', ref.id)) : upstreamNumber(ref.upstreamId);
    return (await loadApiKeys(ctx, [id]))[0];
  },
});

// Tasks batch into one GET /yescale/task over the window their ids span (loaders/by-id.ts).
builder.asEntity(Task, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async ({ id }, ctx) => ctx.loaders.taskById.load(localId('Task', id)),
});
