/** The upstream caller of one poll: a poller outlives any request, so each poll gets its own. */
import { hash } from 'node:crypto';
import type { Credential } from '../upstream/credential.js';
import { UpstreamError } from '../upstream/errors.js';
import type { Caller } from '../upstream/yescale.js';

/** A poller's credential: the subscribing request's, parsed and hashed once. */
export type PollCredential = Credential;

/** The credential a subscription polls with: the request's, checked before anything starts. */
export function subscriber(caller: Caller | null): PollCredential {
  if (!caller) throw new UpstreamError('UNAUTHENTICATED', 'A subscription needs an access key (Authorization: Bearer ..., or connectionParams.authorization over WebSocket)');
  return caller.credential;
}

export const pollCaller = (who: PollCredential, signal: AbortSignal): Caller => ({ credential: who, signal, upstreamCalls: 0 });

/** A poll key (and topic): the credential's id and the query, hashed so neither shows; the coordinators (and Redis) use it as it is. */
export const pollKey = (who: PollCredential, query: string): string => hash('sha256', `${who.id}\n${query}`, 'hex');

/** Dates travel as ISO strings; these fields come back as Dates. */
export function reviveDates<T>(value: Record<string, unknown>, fields: readonly string[]): T {
  const out: Record<string, unknown> = { ...value };
  for (const field of fields) if (typeof out[field] === 'string') out[field] = new Date(out[field] as string);
  return out as T;
}
