/** InFlight (src/upstream/in-flight.ts): a call aborted by its last waiter's signal is never joined. */
import { describe, expect, it } from 'vitest';
import type { Abortable } from '../../src/upstream/abortable.js';
import { InFlight } from '../../src/upstream/in-flight.js';

/** A fake upstream call: settles when told to, or (like undici) a tick after its signal aborts. */
function fakeCalls() {
  const started: { signal: Abortable; resolve: (value: string) => void }[] = [];
  const start = (signal: Abortable) =>
    new Promise<string>((resolve, reject) => {
      started.push({ signal, resolve });
      signal.addEventListener('abort', () => setTimeout(() => reject(signal.reason), 0), { once: true });
    });
  return { started, start };
}

describe('in-flight dedupe', () => {
  it('a new caller does not join a call that another caller deadline aborted, nor inherit its error', async () => {
    const inFlight = new InFlight();
    const { started, start } = fakeCalls();
    const first = new AbortController();
    const a = inFlight.run('k', Infinity, first.signal, start);
    const deadline = new DOMException('The operation timed out.', 'TimeoutError');
    first.abort(deadline);
    await expect(a).rejects.toBe(deadline);
    expect(started[0].signal.aborted).toBe(true);

    // the aborted call has not settled yet: the next caller must start its own
    const b = inFlight.run('k', Infinity, new AbortController().signal, start);
    expect(started).toHaveLength(2);
    started[1].resolve('fresh');
    await expect(b).resolves.toBe('fresh');
    expect(inFlight.size()).toBe(0);
  });

  it('still shares a call while one of its waiters is left', async () => {
    const inFlight = new InFlight();
    const { started, start } = fakeCalls();
    const first = new AbortController();
    const a = inFlight.run('k', Infinity, first.signal, start);
    const b = inFlight.run('k', Infinity, new AbortController().signal, start);
    expect(started).toHaveLength(1);
    first.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    await expect(a).rejects.toThrow(/timed out/);
    const c = inFlight.run('k', Infinity, undefined, start);
    expect(started).toHaveLength(1);
    started[0].resolve('shared');
    await expect(b).resolves.toBe('shared');
    await expect(c).resolves.toBe('shared');
    expect(started).toHaveLength(1);
  });
});
