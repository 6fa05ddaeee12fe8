import { describe, expect, it } from 'vitest';
import { AdaptiveInterval } from '../../src/live/interval.js';

describe('AdaptiveInterval', () => {
  it('polls fast while things change and slows down to the longest interval while nothing does', () => {
    const interval = new AdaptiveInterval({ minMs: 1_000, maxMs: 5_000 });
    expect(interval.next('changed')).toBe(1_000);
    expect(interval.next('unchanged')).toBe(2_000);
    expect(interval.next('unchanged')).toBe(4_000);
    expect(interval.next('unchanged')).toBe(5_000);
    expect(interval.next('failed')).toBe(5_000);
    expect(interval.next('changed')).toBe(1_000);
  });

  it('waits twice the longest interval after a 429, then goes on from the longest', () => {
    const interval = new AdaptiveInterval({ minMs: 1_000, maxMs: 5_000 });
    expect(interval.next('rate-limited')).toBe(10_000);
    expect(interval.next('unchanged')).toBe(5_000);
  });

  it('refuses bounds that cannot work', () => {
    expect(() => new AdaptiveInterval({ minMs: 0, maxMs: 1 })).toThrow(RangeError);
    expect(() => new AdaptiveInterval({ minMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
