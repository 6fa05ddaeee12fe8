/**
 * Request deadlines, one AbortSignal per short window of time instead of one per request: every
 * request that starts within the same window shares its signal. A signal per request (its timer,
 * and raising its listener limit) took ~5% of the gateway's CPU on a small query under load
 * (docs/benchmarks.md, "Round two"). A request gets at least `timeoutMs`, at most `windowMs` more.
 * The signal aborts on time only, never because of a caller, so sharing it shares nothing else.
 */
import { setMaxListeners } from 'node:events';

export interface Deadline {
  /** aborts at `at` */
  signal: AbortSignal;
  /** epoch ms */
  at: number;
}

export class Deadlines {
  private current: Deadline | null = null;
  /** the window's end (epoch ms): requests that start before it share `current` */
  private until = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly windowMs = 50,
  ) {}

  /** The deadline of a request starting `now`. */
  next(now = Date.now()): Deadline {
    // (an aborted one is never handed out, even if the clock said otherwise)
    if (this.current && now < this.until && !this.current.signal.aborted) return this.current;
    this.until = now + this.windowMs;
    const signal = AbortSignal.timeout(this.timeoutMs + this.windowMs);
    // every upstream call of every request of the window listens to it: more than Node's default of 10 is normal
    setMaxListeners(0, signal);
    this.current = { signal, at: this.until + this.timeoutMs };
    return this.current;
  }
}
