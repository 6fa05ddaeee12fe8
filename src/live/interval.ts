/**
 * How long a poller waits before its next upstream call: the shortest interval while what it
 * watches moves, doubling up to the longest while nothing changes, and twice the longest after
 * a 429 (new-api's rate limit sends no Retry-After and counts in windows of a minute or more).
 */
export interface IntervalBounds {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_INTERVAL: IntervalBounds = { minMs: 2_000, maxMs: 30_000 };

export type PollOutcome = 'changed' | 'unchanged' | 'rate-limited' | 'failed';

export class AdaptiveInterval {
  private current: number;

  constructor(private readonly bounds: IntervalBounds) {
    if (!(bounds.minMs > 0) || !(bounds.maxMs >= bounds.minMs)) throw new RangeError('poll interval bounds need 0 < min <= max');
    this.current = bounds.minMs;
  }

  /** The wait after a poll with this outcome. */
  next(outcome: PollOutcome): number {
    if (outcome === 'changed') this.current = this.bounds.minMs;
    else if (outcome === 'rate-limited') return (this.current = this.bounds.maxMs) * 2;
    else this.current = Math.min(this.current * 2, this.bounds.maxMs);
    return this.current;
  }
}
