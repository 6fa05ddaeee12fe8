/** Shared request deadlines with explicit clocks: one signal per window, never less time than configured. */
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/upstream/deadlines.js';

describe('Deadlines', () => {
  it('requests starting within one window share its signal and deadline', () => {
    const deadlines = new Deadlines(30_000, 50);
    const first = deadlines.next(1_000);
    const second = deadlines.next(1_049);
    expect(second).toBe(first);
    expect(first.at).toBe(1_050 + 30_000);
  });

  it('a request after the window gets a new signal, and every request at least the timeout', () => {
    const deadlines = new Deadlines(30_000, 50);
    const first = deadlines.next(1_000);
    const later = deadlines.next(1_050);
    expect(later.signal).not.toBe(first.signal);
    for (const now of [1_000, 1_049]) expect(first.at - now).toBeGreaterThanOrEqual(30_000);
    expect(later.at - 1_050).toBeGreaterThanOrEqual(30_000);
  });

  it('the signal aborts with a timeout once its time is up, and is not handed out after that', async () => {
    const deadlines = new Deadlines(1, 1);
    const { signal } = deadlines.next();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect((signal.reason as Error).name).toBe('TimeoutError');
    // even with a clock that stands still, an aborted signal is never shared again
    expect(deadlines.next(0).signal.aborted).toBe(false);
  });
});
