/**
 * A lease: at most one holder of a key at a time, kept by renewing it and lost when the holder
 * stops renewing (dies, or cannot reach the store). The holder renews at a third of the TTL; a
 * contender retries when the holder's lease would run out, so it takes over within one TTL of the
 * holder's last renewal. The store (Redis in src/live/redis-coordinator.ts) makes each step atomic.
 */

/** How long a lease outlives its holder's last renewal: the most a dead holder's keys go unpolled. */
export const DEFAULT_LEASE_MS = 10_000;

export interface LeaseStore {
  /** Takes `key` for `holder` for `ttlMs` when no one holds it: 0 when taken, else the ms left on the current lease (-1: no expiry). */
  acquire(key: string, holder: string, ttlMs: number): Promise<number>;
  /** Extends the lease to `ttlMs` from now when `holder` still holds it; false when it does not. */
  extend(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Ends the lease when `holder` still holds it; someone else's is left alone. */
  release(key: string, holder: string): Promise<void>;
}

export interface LeaseOptions {
  ttlMs: number;
  /** a store error; the lease goes on (retrying, or giving up leadership before it could have expired) */
  onError: (error: Error) => void;
}

export interface HeldLease {
  /** Stops contending; aborts `start`'s signal and ends the lease in the store when held. */
  release(): Promise<void>;
}

/**
 * Contends for `key` until released, calling `start` each time this holder gains it and aborting
 * that signal each time it stops holding it. The signal is aborted before the lease could have
 * expired in the store, so two holders never poll at once as long as the clocks run at one speed.
 */
export function holdLease(
  store: LeaseStore,
  key: string,
  holder: string,
  { ttlMs, onError }: LeaseOptions,
  start: (signal: AbortSignal) => void,
): HeldLease {
  const renewEvery = Math.max(1, Math.floor(ttlMs / 3));
  let released = false;
  let leading: AbortController | null = null;
  /** local time until which the lease is surely ours: ttl from when the last successful renewal was sent */
  let validUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** the step talking to the store now, awaited by release() so nothing is sent after it */
  let current: Promise<void> = Promise.resolve();

  const report = (error: unknown) => onError(error instanceof Error ? error : new Error(String(error)));
  const later = (ms: number, step: () => Promise<void>) => {
    timer = setTimeout(() => {
      current = step();
    }, ms);
    // a pending retry must not keep the process alive on shutdown
    timer.unref?.();
  };
  const stopLeading = () => {
    const controller = leading;
    leading = null;
    controller?.abort();
  };

  async function acquire(): Promise<void> {
    const sentAt = Date.now();
    let wait: number;
    try {
      const left = await store.acquire(key, holder, ttlMs);
      if (released) {
        if (left === 0) await store.release(key, holder).catch(report);
        return;
      }
      if (left === 0) {
        validUntil = sentAt + ttlMs;
        leading = new AbortController();
        later(renewEvery, renew);
        try {
          start(leading.signal);
        } catch (error) {
          report(error);
        }
        return;
      }
      // retry when the holder's lease runs out; a live holder will have renewed it by then
      wait = left > 0 ? Math.min(left, ttlMs) : renewEvery;
    } catch (error) {
      report(error);
      wait = renewEvery;
    }
    if (!released) later(wait, acquire);
  }

  async function renew(): Promise<void> {
    const sentAt = Date.now();
    let kept: boolean;
    try {
      kept = await store.extend(key, holder, ttlMs);
      if (kept) validUntil = sentAt + ttlMs;
    } catch (error) {
      report(error);
      // Unreachable store: the lease may run out unseen, so let go before the next renewal would be too late.
      kept = Date.now() + renewEvery < validUntil;
    }
    if (released) return;
    if (kept) return later(renewEvery, renew);
    stopLeading();
    await acquire();
  }

  current = acquire();
  return {
    async release() {
      if (released) return;
      released = true;
      clearTimeout(timer);
      await current;
      if (!leading) return;
      stopLeading();
      await store.release(key, holder).catch(report);
    },
  };
}
