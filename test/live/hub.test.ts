import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalCoordinator } from '../../src/live/coordinator.js';
import { GraphQLError } from 'graphql';
import { LiveHub, type Poller, type PollResult, type Watch } from '../../src/live/hub.js';
import { UpstreamError } from '../../src/upstream/errors.js';

/** A poller whose answers the test scripts; it counts its calls like an upstream would. */
function scripted(answers: (n: number) => PollResult | Error) {
  const counter = { calls: 0, created: 0 };
  const make = (): Poller => {
    counter.created++;
    return {
      async poll() {
        const answer = answers(++counter.calls);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
  };
  return { counter, make };
}

const options = { minMs: 1_000, maxMs: 8_000, maxPerCredential: 3, maxTotal: 5 };

/** Starts reading a watch's stream (each value one item) and collects what arrives; `end` resolves when it ends. */
function read(hub: LiveHub, watch: Watch, toItems = (value: unknown): unknown[] => [value]) {
  const stream = hub.stream(watch, toItems);
  const events: unknown[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  const end = (async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return null;
        events.push(next.value);
      }
    } catch (error) {
      return error as Error;
    }
  })();
  return { events, end, stop: () => iterator.return?.() };
}

describe('LiveHub', () => {
  let hub: LiveHub;
  beforeEach(() => {
    vi.useFakeTimers();
    hub = new LiveHub(new LocalCoordinator(), options);
  });
  afterEach(() => {
    void hub.close();
    vi.useRealTimers();
  });

  it('runs one poller for many subscribers of one key, and stops it when the last one leaves', async () => {
    const { counter, make } = scripted((n) => ({ value: n }));
    const watch = { owner: 'a', key: 'k', poller: make, replayLatest: true };
    const readers = [read(hub, watch), read(hub, watch), read(hub, watch)];
    await vi.advanceTimersByTimeAsync(0);
    expect(counter.created).toBe(1);
    expect(counter.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000); // every poll changed: the shortest interval
    expect(counter.calls).toBe(2);
    for (const reader of readers) expect(reader.events).toEqual([1, 2]);
    await readers[0].stop();
    await readers[1].stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(counter.calls).toBe(3);
    await readers[2].stop();
    expect(hub.pollerCount).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counter.calls).toBe(3);
  });

  it('gives a late subscriber the latest value without another upstream call', async () => {
    const { counter, make } = scripted(() => ({ value: 'same' }));
    const watch = { owner: 'a', key: 'k', poller: make, replayLatest: true };
    read(hub, watch);
    await vi.advanceTimersByTimeAsync(0);
    const late = read(hub, watch);
    await vi.advanceTimersByTimeAsync(0);
    expect(counter.calls).toBe(1);
    expect(late.events).toHaveLength(1);
  });

  it('parses an event once for every subscriber of its key, late ones included, and hands each the same frozen value', async () => {
    const { make } = scripted((n) => ({ value: { n, nested: { n } } }));
    const watch = { owner: 'a', key: 'k', poller: make, replayLatest: true };
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const readers = [read(hub, watch), read(hub, watch), read(hub, watch)];
      await vi.advanceTimersByTimeAsync(0);
      const late = read(hub, { ...watch, owner: 'b' }); // the same key: another subscriber of this credential's account
      await vi.advanceTimersByTimeAsync(0);
      expect(parse).toHaveBeenCalledTimes(1);
      const [first] = readers[0].events as { nested: { n: number } }[];
      for (const reader of [...readers, late]) expect(reader.events).toEqual([first]);
      for (const reader of [...readers, late]) expect(reader.events[0]).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first.nested)).toBe(true);
    } finally {
      parse.mockRestore();
    }
  });

  it('a subscriber that changes the shared value ends with an error; the others get it unchanged', async () => {
    const { make } = scripted(() => ({ value: { nested: { n: 1 } } }));
    const watch = { owner: 'a', key: 'k', poller: make, replayLatest: true };
    const careless = read(hub, watch, (value) => {
      (value as { nested: { n: number } }).nested.n = 2;
      return [value];
    });
    const careful = read(hub, watch);
    await vi.advanceTimersByTimeAsync(0);
    expect(careful.events).toEqual([{ nested: { n: 1 } }]);
    expect(careless.events).toHaveLength(1);
    expect(careless.events[0]).toBeInstanceOf(GraphQLError);
    expect(await careless.end).toBeNull();
    expect(hub.size).toBe(1);
  });

  it('slows down while nothing changes, and after a 429', async () => {
    const { counter, make } = scripted((n) => (n === 4 ? new UpstreamError('RATE_LIMITED', '429') : {}));
    read(hub, { owner: 'a', key: 'k', poller: make, replayLatest: false });
    await vi.advanceTimersByTimeAsync(0); // 1: unchanged -> 2 s
    await vi.advanceTimersByTimeAsync(2_000); // 2: -> 4 s
    await vi.advanceTimersByTimeAsync(4_000); // 3: -> 8 s
    expect(counter.calls).toBe(3);
    await vi.advanceTimersByTimeAsync(8_000); // 4: 429 -> 16 s
    expect(counter.calls).toBe(4);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(counter.calls).toBe(4);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(counter.calls).toBe(5);
  });

  it('ends every stream with a done value, and with a final upstream error', async () => {
    const done = scripted((n) => ({ value: n, done: n === 2 }));
    const a = read(hub, { owner: 'a', key: 'done', poller: done.make, replayLatest: true });
    const failing = scripted(() => new UpstreamError('UNAUTHENTICATED', 'The upstream rejected the access key'));
    const b = read(hub, { owner: 'a', key: 'bad', poller: failing.make, replayLatest: true });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await a.end).toBeNull();
    expect(a.events).toEqual([1, 2]);
    await b.end;
    expect(b.events).toHaveLength(1);
    expect((b.events[0] as GraphQLError).message).toBe('The upstream rejected the access key');
    expect((b.events[0] as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(done.counter.calls).toBe(2);
    expect(failing.counter.calls).toBe(1);
    expect(hub.size).toBe(0);
  });

  it('refuses subscriptions past the per-credential and the total limits, and counts the ones that end', async () => {
    const { make } = scripted(() => ({}));
    const of = (owner: string) => read(hub, { owner, key: owner, poller: make, replayLatest: false });
    const mine = [of('a'), of('a'), of('a')];
    const fourth = of('a');
    expect(await fourth.end).toBeNull();
    expect((fourth.events[0] as GraphQLError).extensions.code).toBe('SUBSCRIPTION_LIMIT');
    of('b');
    of('b');
    const sixth = of('c');
    await sixth.end;
    expect((sixth.events[0] as GraphQLError).extensions.code).toBe('SUBSCRIPTION_LIMIT');
    await mine[0].stop();
    const again = of('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(hub.size).toBe(5);
    await again.stop();
  });

  it('close() ends every stream and stops the pollers', async () => {
    const { counter, make } = scripted(() => ({}));
    const reader = read(hub, { owner: 'a', key: 'k', poller: make, replayLatest: false });
    await vi.advanceTimersByTimeAsync(0);
    void hub.close();
    expect(await reader.end).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counter.calls).toBe(1);
    expect(hub.pollerCount).toBe(0);
  });
});
