/**
 * Caps concurrent upstream calls, overall and per credential, so one caller's burst cannot
 * use up the upstream's rate limit (or our connections) for everyone. Calls over a cap wait
 * in one FIFO queue; a waiter whose deadline passes leaves the queue. Keys are credential
 * hashes, never raw credentials.
 */
import type { Abortable } from './abortable.js';

export interface LimiterOptions {
  maxConcurrent: number;
  maxConcurrentPerCredential: number;
}

export const DEFAULT_LIMITER_OPTIONS: LimiterOptions = { maxConcurrent: 32, maxConcurrentPerCredential: 8 };

interface Waiter {
  key: string;
  grant: () => void;
}

export class Limiter {
  private active = 0;
  private readonly activeByKey = new Map<string, number>();
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: LimiterOptions) {}

  /** Calls running and waiting now (for metrics). */
  load(): { active: number; queued: number } {
    return { active: this.active, queued: this.queue.length };
  }

  /**
   * A release function when a slot is free now (nobody queued, room for `key`) and `signal` has not
   * aborted; else null, and `acquire` waits. Most calls find a slot: they need no promise.
   */
  tryAcquire(key: string, signal?: Abortable): (() => void) | null {
    return !signal?.aborted && this.queue.length === 0 && this.fits(key) ? this.grant(key) : null;
  }

  /**
   * Resolves with a release function once a slot is free (at once if one is: the queue drains as the
   * waiter joins); rejects with the signal's reason if it aborts first.
   */
  acquire(key: string, signal?: Abortable): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        key,
        grant: () => {
          signal?.removeEventListener('abort', abort);
          resolve(this.grant(key));
        },
      };
      const abort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.queue.push(waiter);
      this.drain();
    });
  }

  /** Takes a slot of `key`; returns its release, which gives it back once however often it is called. */
  private grant(key: string): () => void {
    this.take(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(key);
    };
  }

  private fits(key: string): boolean {
    return this.active < this.options.maxConcurrent && (this.activeByKey.get(key) ?? 0) < this.options.maxConcurrentPerCredential;
  }

  private take(key: string): void {
    this.active++;
    this.activeByKey.set(key, (this.activeByKey.get(key) ?? 0) + 1);
  }

  private give(key: string): void {
    this.active--;
    const left = (this.activeByKey.get(key) ?? 1) - 1;
    if (left === 0) this.activeByKey.delete(key);
    else this.activeByKey.set(key, left);
    this.drain();
  }

  /** Grants, in queue order, every waiter whose credential and the whole still have room. */
  private drain(): void {
    for (let i = 0; i < this.queue.length && this.active < this.options.maxConcurrent; ) {
      const waiter = this.queue[i]!;
      if (this.fits(waiter.key)) {
        this.queue.splice(i, 1);
        waiter.grant();
      } else i++;
    }
  }
}
