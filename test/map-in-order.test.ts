/** mapInOrder (src/queries/log-scan.ts): results used in order, fetching held back by a slow use. */
import { describe, expect, it } from 'vitest';
import { mapInOrder } from '../src/queries/log-scan.js';

/** A fetch whose results the test resolves by hand, in any order. */
function manualFetch() {
  const started: number[] = [];
  const resolvers = new Map<number, (value: number) => void>();
  const rejecters = new Map<number, (error: Error) => void>();
  const fetch = (n: number) =>
    new Promise<number>((resolve, reject) => {
      started.push(n);
      resolvers.set(n, resolve);
      rejecters.set(n, reject);
    });
  return { started, fetch, resolve: (n: number) => resolvers.get(n)!(n * 10), reject: (n: number) => rejecters.get(n)!(new Error(`page ${n}`)) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapInOrder', () => {
  it('uses results in order even when they arrive out of order', async () => {
    const f = manualFetch();
    const used: number[] = [];
    const done = mapInOrder([1, 2, 3, 4, 5], 3, f.fetch, (r) => used.push(r));
    await tick();
    expect(f.started).toEqual([1, 2, 3]);
    f.resolve(3);
    f.resolve(2);
    await tick();
    expect(used).toEqual([]);
    f.resolve(1);
    await tick();
    expect(used).toEqual([10, 20, 30]);
    expect(f.started).toEqual([1, 2, 3, 4, 5]);
    f.resolve(5);
    f.resolve(4);
    expect(await done).toEqual([1, 2, 3, 4, 5]);
    expect(used).toEqual([10, 20, 30, 40, 50]);
  });

  it('starts no further fetch while a use is pending: a slow consumer holds the fetching back', async () => {
    const f = manualFetch();
    let release!: () => void;
    const done = mapInOrder([1, 2, 3, 4], 2, f.fetch, (r) => (r === 10 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    await tick();
    f.resolve(1);
    f.resolve(2);
    await tick();
    await tick();
    expect(f.started).toEqual([1, 2]);
    // page 1 used: page 3 starts; page 2 (already here) is used at once: page 4 starts
    release();
    await tick();
    expect(f.started).toEqual([1, 2, 3, 4]);
    f.resolve(3);
    f.resolve(4);
    expect(await done).toHaveLength(4);
  });

  it('rejects with the first failure in order and starts nothing after it', async () => {
    const f = manualFetch();
    const done = mapInOrder([1, 2, 3, 4], 2, f.fetch, () => undefined);
    await tick();
    f.reject(2);
    f.resolve(1);
    await expect(done).rejects.toThrow('page 2');
    expect(f.started).toEqual([1, 2, 3]);
  });
});
