/**
 * Retries of idempotent upstream GETs: capped exponential backoff with full jitter for
 * transient failures, a fixed delay for 429 (the upstream sends no Retry-After), and never
 * past the request's deadline: when the next attempt could not start in time, the last error
 * is the answer. Hand-written rather than undici's RetryAgent because the delay depends on
 * our own error kinds and on a deadline that the agent does not know.
 */
import type { Abortable } from './abortable.js';
import { UpstreamError } from './errors.js';
import { CircuitOpenError } from './circuit-breaker.js';

export interface RetryOptions {
  /** extra attempts after the first */
  retries: number;
  /** backoff before retry n is random in [0, min(retryMaxDelayMs, retryBaseDelayMs * 2^n)] */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** wait before retrying a 429 */
  rateLimitDelayMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { retries: 2, retryBaseDelayMs: 100, retryMaxDelayMs: 2_000, rateLimitDelayMs: 1_000 };

/**
 * How long to wait before retrying `error`, or null when it is not worth retrying: only
 * transient failures (connection, timeout, 5xx) and 429 are; a refusal, a bad answer or an
 * open circuit are not.
 */
export function retryDelay(options: RetryOptions, error: unknown, retry: number, random = Math.random): number | null {
  if (!(error instanceof UpstreamError) || error instanceof CircuitOpenError) return null;
  if (error.kind === 'RATE_LIMITED') return options.rateLimitDelayMs;
  if (error.kind !== 'UPSTREAM_UNAVAILABLE') return null;
  return Math.round(random() * Math.min(options.retryMaxDelayMs, options.retryBaseDelayMs * 2 ** retry));
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of retries, or the next try
 * would start after `deadline()` (epoch ms) or after `signal` aborts.
 */
export async function withRetry<T>(
  options: RetryOptions,
  attempt: (n: number) => Promise<T>,
  deadline: () => number,
  signal?: Abortable,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const delay = n < options.retries ? retryDelay(options, error, n) : null;
      if (delay === null || Date.now() + delay >= deadline() || signal?.aborted) throw error;
      if (!(await sleep(delay, signal))) throw error;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: Abortable): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (slept: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      resolve(slept);
    };
    const abort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
