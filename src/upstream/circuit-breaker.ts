/**
 * A circuit breaker for one upstream origin. After `breakerThreshold` consecutive failed
 * calls it opens: calls fail fast for `breakerCooldownMs` without touching the network. Then it is
 * half-open: one probe at a time goes through; a success closes it, a failure opens it again.
 */
import { UpstreamError } from './errors.js';

/** A call refused without touching the network because the circuit is open. */
export class CircuitOpenError extends UpstreamError {
  constructor(path: string, retryInMs: number) {
    super('UPSTREAM_UNAVAILABLE', `The upstream is unavailable on ${path}: circuit open after repeated failures, retry in ${Math.ceil(retryInMs / 1000)} s`, { path });
  }
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** consecutive failures that open the circuit */
  breakerThreshold: number;
  /** how long it stays open before a probe */
  breakerCooldownMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { breakerThreshold: 5, breakerCooldownMs: 10_000 };

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private opened = false;
  private probing = false;

  constructor(private readonly options: BreakerOptions) {}

  state(now = Date.now()): CircuitState {
    if (!this.opened) return 'closed';
    return now - this.openedAt >= this.options.breakerCooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a probe may go through (0 unless open). */
  retryInMs(now = Date.now()): number {
    return this.state(now) === 'open' ? this.options.breakerCooldownMs - (now - this.openedAt) : 0;
  }

  /**
   * May a call go through now? In half-open, only one probe at a time; the caller must then
   * report its outcome with success() or failure().
   */
  tryPass(now = Date.now()): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.opened = false;
    this.probing = false;
  }

  failure(now = Date.now()): void {
    this.failures++;
    if (this.probing || this.failures >= this.options.breakerThreshold) {
      this.opened = true;
      this.openedAt = now;
    }
    this.probing = false;
  }

  /** A call that passed but ended without saying anything about the upstream's health (every caller's signal aborted it, a request deadline included). */
  neutral(): void {
    this.probing = false;
  }
}
