/** The upstream concurrency caps on their own: overall and per credential, FIFO, deadlines leave the queue. */
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/upstream/limiter.js';

describe('Limiter', () => {
  it('caps calls per credential while another credential still gets through', async () => {
    const limiter = new Limiter({ maxConcurrent: 10, maxConcurrentPerCredential: 2 });
    const a1 = await limiter.acquire('a');
    await limiter.acquire('a');
    let third = false;
    const a3 = limiter.acquire('a').then((release) => ((third = true), release));
    const b1 = await limiter.acquire('b'); // b is not locked out by a's burst
    await Promise.resolve();
    expect(third).toBe(false);
    expect(limiter.load()).toEqual({ active: 3, queued: 1 });
    a1();
    await a3;
    expect(third).toBe(true);
    b1();
    expect(limiter.load()).toEqual({ active: 2, queued: 0 });
  });

  it('grants waiters of the overall cap in arrival order', async () => {
    const limiter = new Limiter({ maxConcurrent: 1, maxConcurrentPerCredential: 1 });
    const release = await limiter.acquire('a');
    const order: string[] = [];
    const waits = ['b', 'c', 'd'].map((key) => limiter.acquire(key).then((r) => (order.push(key), r())));
    release();
    await Promise.all(waits);
    expect(order).toEqual(['b', 'c', 'd']);
  });

  it('lets a credential under its own cap pass one that waits for its own', async () => {
    const limiter = new Limiter({ maxConcurrent: 3, maxConcurrentPerCredential: 1 });
    const a = await limiter.acquire('a');
    const order: string[] = [];
    const waitingA = limiter.acquire('a').then((r) => (order.push('a'), r));
    const b = await limiter.acquire('b').then((r) => (order.push('b'), r));
    expect(order).toEqual(['b']);
    a();
    (await waitingA)();
    b();
    expect(order).toEqual(['b', 'a']);
  });

  it('a waiter whose signal aborts leaves the queue with the reason, and its slot is not taken', async () => {
    const limiter = new Limiter({ maxConcurrent: 1, maxConcurrentPerCredential: 1 });
    const release = await limiter.acquire('a');
    const controller = new AbortController();
    const waiting = limiter.acquire('b', controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(limiter.load()).toEqual({ active: 1, queued: 0 });
    release();
    expect(limiter.load()).toEqual({ active: 0, queued: 0 });
    await expect(limiter.acquire('c', AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('tryAcquire takes a free slot at once, and takes none over a cap, behind a queue or for an aborted signal', async () => {
    const limiter = new Limiter({ maxConcurrent: 2, maxConcurrentPerCredential: 1 });
    const a = limiter.tryAcquire('a');
    expect(a).toBeTypeOf('function');
    expect(limiter.tryAcquire('a')).toBeNull(); // a's own cap
    expect(limiter.tryAcquire('b', AbortSignal.abort(new Error('gone')))).toBeNull();
    const b = limiter.tryAcquire('b')!;
    const queued = limiter.acquire('c'); // the overall cap: c waits
    const c2 = limiter.acquire('c2'); // and c2 behind it
    b();
    expect(limiter.tryAcquire('e')).toBeNull(); // overall room for none, and c2 still queued
    expect(limiter.load()).toEqual({ active: 2, queued: 1 });
    expect(limiter.tryAcquire('d')).toBeNull(); // c was granted b's slot first
    (await queued)();
    (await c2)();
    a!();
    expect(limiter.load()).toEqual({ active: 0, queued: 0 });
  });

  it('tryAcquire never goes ahead of a queue, even for a credential with room', async () => {
    const limiter = new Limiter({ maxConcurrent: 2, maxConcurrentPerCredential: 1 });
    const a = limiter.tryAcquire('a')!;
    const waiting = limiter.acquire('a'); // a's own cap: queued, with overall room left
    expect(limiter.load()).toEqual({ active: 1, queued: 1 });
    expect(limiter.tryAcquire('x')).toBeNull();
    a();
    (await waiting)();
    expect(limiter.tryAcquire('x')).toBeTypeOf('function');
  });

  it('releasing twice gives back one slot only', async () => {
    const limiter = new Limiter({ maxConcurrent: 2, maxConcurrentPerCredential: 2 });
    const release = await limiter.acquire('a');
    await limiter.acquire('a');
    release();
    release();
    expect(limiter.load().active).toBe(1);
  });
});
