/**
 * The `{success,message,data}` envelope of an upstream answer, read from its text: apart from the
 * HTTP client (http.ts) so that a worker thread reading a body's bytes (src/usage/) classifies
 * it with the very same errors without loading undici.
 */
import { UpstreamError, envelopeError, statusError } from './errors.js';
import { fromLatin1, isObject, type BodyEncoding } from './json.js';

/**
 * The `data` of an envelope (with `needsData` false: nothing, once `success:true` is checked).
 * A body without `success` (as /yescale/apikeylist sends) is accepted when it has `data`.
 */
export function decode(path: string, status: number, text: string, encoding: BodyEncoding, needsData = true): unknown {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    if (status >= 200 && status < 300) {
      throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} with a body that is not JSON`, { path, status });
    }
  }
  const envelope = isObject(json) ? json : undefined;
  const raw = typeof envelope?.message === 'string' ? envelope.message : undefined;
  const message = raw !== undefined && encoding === 'latin1' ? fromLatin1(raw) : raw;
  if (status < 200 || status >= 300) throw statusError(path, status, message);
  if (!envelope) {
    throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} without a JSON object`, { path, status });
  }
  if (envelope.success === false) throw envelopeError(path, status, message ?? '');
  if (!needsData) {
    if (envelope.success !== true) throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} without "success":true`, { path, status });
    return undefined;
  }
  if (!('data' in envelope)) {
    throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} without "data"`, { path, status });
  }
  return envelope.data;
}
