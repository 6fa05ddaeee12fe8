/**
 * The one hash of a credential. Everything shared across requests is keyed by it (in-flight
 * calls and limiter slots in http.ts, response cache entries in src/plugins/response-cache.ts), so the secret
 * itself is never a map key, label or log field.
 */
import { hash } from 'node:crypto';

/** A stable, non-reversible id of a credential, safe as a map key, label or log field. */
export function credentialId(credential: string): string {
  return hash('sha256', credential, 'hex');
}
