/**
 * Request deadlines, one signal per short window of time instead of one per request: every
 * request that starts within the same window shares its signal. A signal per request (its timer,
 * and raising its listener limit) took ~5% of the gateway's CPU on a small query under load
 * (docs/benchmarks.md, "Round two"). A request gets at least `timeoutMs`, at most `windowMs` more.
 * The signal aborts on time only, never because of a caller, so sharing it shares nothing else.
 *
 * It is a CallSignal (abortable.ts), not an AbortSignal: each upstream call of each request of the
 * window adds a listener to it and removes it, and Node's EventTarget walks its list of listeners
 * on each add as well as each remove (~100-250 of them under load; docs/benchmarks.md, "Round
 * six: the upstream call path"); a CallSignal adds in constant time.
 */
import { CallSignal, type Abortable } from './abortable.js';

export interface Deadline {
  /** aborts at `at` */
  signal: Abortable;
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
    const signal = new CallSignal();
    // (the reason AbortSignal.timeout gives, which the upstream errors word as the deadline)
    setTimeout(() => signal.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), this.timeoutMs + this.windowMs).unref();
    this.current = { signal, at: this.until + this.timeoutMs };
    return this.current;
  }
}
