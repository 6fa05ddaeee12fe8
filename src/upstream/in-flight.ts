/**
 * In-flight deduplication across requests: identical upstream calls of the same credential
 * that overlap in time become one. The key must contain the credential's hash
 * (Credential.id in credential.ts), so calls of different credentials are never shared. Each waiter keeps its
 * own deadline: it stops waiting when its signal aborts, and the shared call is aborted only
 * when nobody waits any more. Nothing is kept once the call settles: this is not a cache.
 */
import { CallSignal, type Abortable } from './abortable.js';

interface Shared {
  promise: Promise<unknown>;
  /** aborted once every waiter left */
  signal: CallSignal;
  waiters: number;
  /** the latest deadline (epoch ms) of the waiters: retries may run until then */
  deadline: number;
}

/** what a settled entry holds instead of its call's promise (nothing joins a settled call: it left the map first) */
const SETTLED: Promise<unknown> = Promise.resolve();

export class InFlight {
  private readonly calls = new Map<string, Shared>();

  /** Calls in flight now (for metrics and tests). */
  size(): number {
    return this.calls.size;
  }

  /**
   * Joins the call in flight under `key`, or starts it with `start(signal, deadline)`.
   * Returns the result for this waiter.
   */
  run<T>(
    key: string,
    deadline: number,
    signal: Abortable | undefined,
    start: (signal: Abortable, deadline: () => number) => Promise<T>,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let call = this.calls.get(key);
    // A call aborted because its last waiter left is already dying (it rejects with that waiter's
    // abort reason, e.g. its deadline): never join it, start afresh.
    if (call?.signal.aborted) call = undefined;
    if (!call) {
      const created: Shared = { signal: new CallSignal(), waiters: 0, deadline, promise: SETTLED };
      const settle = () => {
        if (this.calls.get(key) === created) this.calls.delete(key);
        // Nothing joins a settled call: the entry lets go of its answer. While entries held theirs, V8
        // promoted twice as much to the old generation (bench:call with --trace-gc-nvp: ~200 MB in
        // 40,000 calls, ~100 MB without; docs/benchmarks.md, "Round five").
        created.promise = SETTLED;
      };
      created.promise = start(created.signal, () => created.deadline);
      // (also what keeps a rejection handled when every waiter has left)
      created.promise.then(settle, settle);
      this.calls.set(key, created);
      call = created;
    }
    call.deadline = Math.max(call.deadline, deadline);
    return this.wait(key, call, signal) as Promise<T>;
  }

  private wait(key: string, call: Shared, signal: Abortable | undefined): Promise<unknown> {
    call.waiters++;
    if (!signal) return call.promise;
    return new Promise((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        waiting = false;
        signal.removeEventListener('abort', abort);
        call.waiters--;
      };
      const abort = () => {
        leave();
        if (call.waiters === 0) {
          // Out of the map first, so a caller arriving before the aborted call settles starts its own.
          if (this.calls.get(key) === call) this.calls.delete(key);
          call.signal.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      call.promise.then(
        (value) => waiting && (leave(), resolve(value)),
        (error: unknown) => waiting && (leave(), reject(error)),
      );
    });
  }
}
