/**
 * A request's credential, parsed and hashed once. Everything shared across requests is keyed by
 * its `id` (in-flight calls and limiter slots in http.ts, response cache entries in
 * src/plugins/response-cache.ts), so the secret itself is never a map key, label or log field.
 */
import { hash } from 'node:crypto';

export interface Credential {
  /** the access key sent upstream, in the Authorization header only */
  secret: string;
  /** a stable, non-reversible id of `secret`, safe as a map key, label or log field */
  id: string;
  /**
   * whether `secret` can go in a header at all (visible ASCII; new-api's keys are letters and digits).
   * One that cannot is refused before anything is sent (src/upstream/http.ts): undici refuses such a
   * header in a way that leaves a pool connection waiting for ever, and after a few the pool serves nobody.
   */
  sendable: boolean;
}

const SENDABLE = /^[\x21-\x7e]+$/;

export function toCredential(secret: string): Credential {
  return { secret, id: hash('sha256', secret, 'hex'), sendable: SENDABLE.test(secret) };
}

/**
 * The credential of a request: the caller's `Authorization` header (`Bearer` optional), else the
 * server's own `fallback` (YESCALE_ACCESS_KEY, or the emulator's demo key in demo mode), else none.
 */
export function credentialOf(authorization: string | null, fallback: Credential | null): Credential | null {
  const sent = authorization?.replace(/^\s*Bearer\s+/i, '').trim();
  return sent ? toCredential(sent) : fallback;
}

/** A fetch Request, or src/http/fast-path.ts's view of a node request: only its headers are read. */
export interface HeaderSource {
  headers: { get(name: string): string | null };
}

/**
 * `credentialOf` for each request, computed on the first ask and remembered while the request
 * lives: the response cache asks before the context exists, and the context asks again.
 */
export function requestCredentials(fallback: Credential | null): (request: HeaderSource) => Credential | null {
  const parsed = new WeakMap<HeaderSource, Credential | null>();
  return (request) => {
    let credential = parsed.get(request);
    if (credential === undefined) parsed.set(request, (credential = credentialOf(request.headers.get('authorization'), fallback)));
    return credential;
  };
}
