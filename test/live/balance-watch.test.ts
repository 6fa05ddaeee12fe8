import { describe, expect, it } from 'vitest';
import { BalanceWatch } from '../../src/live/balance-poller.js';

describe('BalanceWatch', () => {
  it('fires once per crossing below the threshold, re-armed only 1% above it', () => {
    const watch = new BalanceWatch(1_000);
    const fired = [2_000, 999, 500, 1_000, 999, 1_005, 998, 1_010, 1_009, 990, 0].filter((quota) => watch.crossed(quota));
    // 999: crossing; 500, 1000, 999, 1005, 998: still the same crossing (never back to 1010);
    // 1010 re-arms; 990 is the next crossing; 0 still the same
    expect(fired).toEqual([999, 990]);
  });

  it('reports an account already below at once', () => {
    expect(new BalanceWatch(100).crossed(5)).toBe(true);
  });

  it('a zero threshold fires only on a negative balance and re-arms at 1 credit', () => {
    const watch = new BalanceWatch(0);
    expect([0, -1, -5, 0, 1, -1].filter((q) => watch.crossed(q))).toEqual([-1, -1]);
  });
});
