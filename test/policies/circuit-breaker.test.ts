/** The circuit breaker's states on their own, with explicit clocks: closed → open → half-open → closed or open again. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';

const options = { breakerThreshold: 3, breakerCooldownMs: 10_000 };

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures, not before', () => {
    const breaker = new CircuitBreaker(options);
    breaker.failure(0);
    breaker.failure(0);
    expect(breaker.state(0)).toBe('closed');
    breaker.failure(0);
    expect(breaker.state(0)).toBe('open');
    expect(breaker.tryPass(1)).toBe(false);
    expect(breaker.retryInMs(4_000)).toBe(6_000);
  });

  it('a success in between resets the count', () => {
    const breaker = new CircuitBreaker(options);
    breaker.failure(0);
    breaker.failure(0);
    breaker.success();
    breaker.failure(0);
    breaker.failure(0);
    expect(breaker.state(0)).toBe('closed');
  });

  it('after the cooldown lets one probe through; its success closes the circuit', () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 3; i++) breaker.failure(0);
    expect(breaker.state(10_000)).toBe('half-open');
    expect(breaker.tryPass(10_000)).toBe(true);
    expect(breaker.tryPass(10_001)).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state(10_002)).toBe('closed');
    expect(breaker.tryPass(10_002)).toBe(true);
  });

  it("a failed probe opens it again for a whole cooldown", () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 3; i++) breaker.failure(0);
    expect(breaker.tryPass(10_000)).toBe(true);
    breaker.failure(10_000);
    expect(breaker.state(19_999)).toBe('open');
    expect(breaker.state(20_000)).toBe('half-open');
  });
});
