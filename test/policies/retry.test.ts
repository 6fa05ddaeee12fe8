/** Retry policy on its own, with fake timers: which errors are retried, how long it waits, and never past the deadline. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError } from '../../src/upstream/circuit-breaker.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { DEFAULT_RETRY_OPTIONS, retryDelay, withRetry } from '../../src/upstream/retry.js';

const options = { retries: 2, retryBaseDelayMs: 100, retryMaxDelayMs: 250, rateLimitDelayMs: 1_000 };
const unavailable = () => new UpstreamError('UPSTREAM_UNAVAILABLE', 'HTTP 502');

describe('retryDelay', () => {
  it('retries only transient failures and 429s', () => {
    expect(retryDelay(options, new UpstreamError('RATE_LIMITED', '429'), 0)).toBe(1_000);
    expect(retryDelay(options, unavailable(), 0, () => 1)).toBe(100);
    for (const kind of ['UNAUTHENTICATED', 'UPSTREAM_BAD_RESPONSE', 'UPSTREAM_ERROR'] as const) {
      expect(retryDelay(options, new UpstreamError(kind, kind), 0)).toBeNull();
    }
    expect(retryDelay(options, new CircuitOpenError('/yescale/user', 1_000), 0)).toBeNull();
    expect(retryDelay(options, new Error('a bug'), 0)).toBeNull();
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelay(options, unavailable(), 1, () => 1)).toBe(200);
    expect(retryDelay(options, unavailable(), 5, () => 1)).toBe(250);
    expect(retryDelay(options, unavailable(), 5, () => 0)).toBe(0);
    expect(DEFAULT_RETRY_OPTIONS.retries).toBeGreaterThan(0);
  });
});

describe('withRetry', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('waits the 429 delay, then succeeds', async () => {
    const attempt = vi.fn().mockRejectedValueOnce(new UpstreamError('RATE_LIMITED', '429')).mockResolvedValueOnce('ok');
    const result = withRetry(options, attempt, () => 60_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(attempt).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('gives up after `retries` extra attempts with the last error', async () => {
    const attempt = vi.fn().mockRejectedValue(unavailable());
    const result = withRetry(options, attempt, () => 60_000);
    const settled = expect(result).rejects.toThrow('HTTP 502');
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('never starts an attempt that would begin past the deadline', async () => {
    const attempt = vi.fn().mockRejectedValue(new UpstreamError('RATE_LIMITED', '429'));
    await expect(withRetry(options, attempt, () => 500)).rejects.toThrow('429');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const attempt = vi.fn().mockRejectedValue(new UpstreamError('RATE_LIMITED', '429'));
    const result = withRetry(options, attempt, () => 60_000, controller.signal);
    const settled = expect(result).rejects.toThrow('429');
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await settled;
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('does not retry a refusal', async () => {
    const attempt = vi.fn().mockRejectedValue(new UpstreamError('UNAUTHENTICATED', 'no'));
    await expect(withRetry(options, attempt, () => 60_000)).rejects.toThrow('no');
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
