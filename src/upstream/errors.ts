/**
 * What can go wrong talking to the upstream, as plain errors (this layer knows nothing of GraphQL).
 * The gateway turns them into GraphQL errors whose `extensions.code` is `kind`.
 * Messages never contain the credential.
 */
export type UpstreamErrorKind =
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  /** the upstream has no such record for this caller (new-api: "record not found"; another user's key too) */
  | 'NOT_FOUND'
  /** the upstream answered `success:false` for a reason other than auth */
  | 'UPSTREAM_ERROR';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly details: { path?: string; status?: number; upstreamMessage?: string } = {},
  ) {
    super(message);
  }
}

/** new-api answers an unknown access token with HTTP 200 and this (translated) message. */
const INVALID_TOKEN = /access token invalid|无效的\s*access token|无权进行此操作|未登录|not logged in|token.*invalid|invalid.*token/i;

/** GORM's ErrRecordNotFound text, which new-api's key handlers pass through for an unknown or foreign id. */
const RECORD_NOT_FOUND = /^record not found$/i;

/** Classifies a `success:false` envelope. */
export function envelopeError(path: string, status: number, message: string): UpstreamError {
  if (INVALID_TOKEN.test(message)) {
    return new UpstreamError('UNAUTHENTICATED', 'The upstream rejected the access key', { path, status, upstreamMessage: message });
  }
  if (RECORD_NOT_FOUND.test(message)) {
    return new UpstreamError('NOT_FOUND', `The upstream has no such record on ${path}`, { path, status, upstreamMessage: message });
  }
  return new UpstreamError('UPSTREAM_ERROR', `The upstream refused ${path}: ${message || 'no message'}`, {
    path,
    status,
    upstreamMessage: message,
  });
}

/** Classifies a non-2xx HTTP status (the body has been read or dumped already). */
export function statusError(path: string, status: number, message?: string): UpstreamError {
  if (status === 401 || status === 403) {
    return new UpstreamError('UNAUTHENTICATED', 'The upstream rejected the access key', { path, status, upstreamMessage: message });
  }
  if (status === 429) {
    return new UpstreamError('RATE_LIMITED', `The upstream rate limit was hit on ${path}; retry later`, { path, status });
  }
  if (status >= 500) {
    return new UpstreamError('UPSTREAM_UNAVAILABLE', `The upstream failed on ${path} (HTTP ${status})`, { path, status });
  }
  return new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} with HTTP ${status}`, {
    path,
    status,
    upstreamMessage: message,
  });
}
