/**
 * What an upstream call is aborted by: the request's deadline (deadlines.ts), the in-flight dedupe's
 * own signal for a shared call (in-flight.ts), both `CallSignal`s, or an AbortSignal (a poller's lease,
 * a CSV export's client leaving).
 *
 * A CallSignal has the part of AbortSignal that the limiter, retries and exchange.ts read (`aborted`,
 * `reason`, add/removeEventListener of 'abort'; test/exchange.test.ts checks a call stops with it), without
 * Node's EventTarget: a new AbortController and its signal cost ~4.4 µs, every upstream call paid it,
 * a CallSignal ~0.03 µs (docs/benchmarks.md, "Round five").
 */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class CallSignal implements Abortable {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  /** every listener is called once, at the abort (as `{ once: true }`, which is how all are added) */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    // every listener runs, as with an EventTarget, even if one throws (the first throw goes on after)
    let thrown: { error: unknown } | null = null;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (thrown) throw thrown.error;
  }
}
