/**
 * The live hub: one poller per key (a hash of credential + upstream query) however many
 * subscribers watch it, started through the Coordinator (which instance polls) and stopped when
 * this instance's last subscriber of the key leaves. Events travel as JSON on the key's topic.
 */
import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { UpstreamError } from '../upstream/errors.js';
import type { Coordinator } from './coordinator.js';
import { AdaptiveInterval, DEFAULT_INTERVAL, type IntervalBounds, type PollOutcome } from './interval.js';

export interface LiveOptions extends IntervalBounds {
  /** open subscriptions of one credential on this instance */
  maxPerCredential: number;
  /** open subscriptions on this instance */
  maxTotal: number;
}

export const DEFAULT_LIVE: LiveOptions = { ...DEFAULT_INTERVAL, maxPerCredential: 100, maxTotal: 10_000 };

/** One upstream round of a poller: `value` when what it watches changed, `done` when it never will again. */
export interface PollResult {
  value?: unknown;
  done?: boolean;
}

export interface Poller {
  poll(signal: AbortSignal): Promise<PollResult>;
}

/** What travels on a topic. `seq` makes equal values of two polls distinct payloads. */
export type LiveEvent =
  | { seq: number; value: unknown; done?: boolean }
  | { seq: number; error: { code: string; message: string } };

/** Upstream answers that no later poll can change: the stream ends with them. */
const FINAL_ERRORS = new Set(['UNAUTHENTICATED', 'NOT_FOUND']);

export interface Watch {
  /** credentialId of the subscriber: the per-credential limit counts by it */
  owner: string;
  /** hash of credential + query: the poller's lease key and its topic */
  key: string;
  poller: () => Poller;
  /** a new subscriber first gets the key's latest value (tasks, balance), or only what comes next (logs) */
  replayLatest: boolean;
}

export class LiveHub {
  private readonly pollers = new Map<string, { subscribers: number; lease: { release(): void } }>();
  private readonly perOwner = new Map<string, number>();
  private readonly open = new Set<() => void>();

  constructor(
    readonly coordinator: Coordinator,
    readonly options: LiveOptions = DEFAULT_LIVE,
  ) {}

  /** Open subscriptions on this instance. */
  get size(): number {
    return this.open.size;
  }

  /** Active pollers on this instance (their upstream calls may run on another, under Redis). */
  get pollerCount(): number {
    return this.pollers.size;
  }

  /**
   * A subscription field's source stream: each published value becomes the items `toItems` makes of
   * it (none, one, or a batch). Limits are checked when the stream starts. An error (a limit, a
   * final upstream error) comes as the last item, for the field's resolver to throw (liveValue),
   * so every transport shows it as an event with `errors` before the end of the stream.
   * A Repeater, not an async generator: a client that leaves must end it at once, and an async
   * generator waiting for its next event would only see the request at that event.
   */
  stream<T>(watch: Watch, toItems: (value: unknown) => T[]): AsyncIterable<T | GraphQLError> {
    return new Repeater<T | GraphQLError>(async (push, stop) => {
      try {
        this.admit(watch.owner);
      } catch (error) {
        await push(error as GraphQLError);
        return stop();
      }
      this.perOwner.set(watch.owner, (this.perOwner.get(watch.owner) ?? 0) + 1);
      this.open.add(stop);
      let last: string | null = null;
      const deliver = (payload: string) => {
        if (payload === last) return; // the latest replayed and the same publication received
        last = payload;
        const event = JSON.parse(payload) as LiveEvent;
        if ('error' in event) void push(eventError(event));
        else for (const item of toItems(event.value)) void push(item);
        if (isFinal(event)) stop();
      };
      const unsubscribe = this.coordinator.subscribe(watch.key, deliver);
      const leave = this.join(watch);
      try {
        const latest = await this.coordinator.latest(watch.key);
        // An ended poller's last word reaches late subscribers too, or they would wait forever.
        if (latest !== null && (watch.replayLatest || isFinal(JSON.parse(latest) as LiveEvent))) deliver(latest);
        await stop;
      } finally {
        unsubscribe();
        leave();
        this.open.delete(stop);
        const left = (this.perOwner.get(watch.owner) ?? 1) - 1;
        if (left > 0) this.perOwner.set(watch.owner, left);
        else this.perOwner.delete(watch.owner);
      }
    });
  }

  /** Ends every stream (the server is shutting down) and stops the pollers; resolves when the streams have let go. */
  async close(): Promise<void> {
    for (const stop of [...this.open]) stop();
    // A stopped stream ends within a few turns of the event loop (its reader sees the end and lets go).
    for (let turn = 0; turn < 10 && (this.open.size > 0 || this.pollers.size > 0); turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  private admit(owner: string): void {
    if (this.open.size >= this.options.maxTotal) {
      throw limitError(`This gateway serves at most ${this.options.maxTotal} subscriptions at once; try again later`);
    }
    if ((this.perOwner.get(owner) ?? 0) >= this.options.maxPerCredential) {
      throw limitError(`At most ${this.options.maxPerCredential} subscriptions per access key at once; end one before starting another`);
    }
  }

  /** Counts a subscriber of the key; the first one asks to lead its poller, the last one's leaving releases it. */
  private join(watch: Watch): () => void {
    let entry = this.pollers.get(watch.key);
    if (!entry) {
      const lease = this.coordinator.lead(watch.key, (signal) => void this.run(watch.key, watch.poller(), signal));
      this.pollers.set(watch.key, (entry = { subscribers: 0, lease }));
    }
    const joined = entry;
    joined.subscribers++;
    return () => {
      if (--joined.subscribers > 0) return;
      if (this.pollers.get(watch.key) === joined) this.pollers.delete(watch.key);
      joined.lease.release();
    };
  }

  /** The poll loop of one key, while this instance leads it. */
  private async run(key: string, poller: Poller, signal: AbortSignal): Promise<void> {
    const interval = new AdaptiveInterval(this.options);
    let seq = 0;
    const publish = (event: Omit<LiveEvent, 'seq'>) => this.coordinator.publish(key, JSON.stringify({ seq: ++seq, ...event }));
    while (!signal.aborted) {
      let outcome: PollOutcome;
      try {
        const result = await poller.poll(signal);
        if (signal.aborted) return;
        if (result.value !== undefined) await publish({ value: result.value, ...(result.done ? { done: true } : {}) });
        if (result.done) return;
        outcome = result.value !== undefined ? 'changed' : 'unchanged';
      } catch (error) {
        if (signal.aborted) return;
        const code = error instanceof UpstreamError ? error.kind : error instanceof GraphQLError ? String(error.extensions.code) : 'INTERNAL_SERVER_ERROR';
        if (FINAL_ERRORS.has(code)) {
          const message = error instanceof Error ? error.message : String(error);
          await publish({ error: { code, message } }).catch(() => {});
          return;
        }
        outcome = code === 'RATE_LIMITED' ? 'rate-limited' : 'failed';
      }
      await wait(interval.next(outcome), signal);
    }
  }
}

/** Resolves after `ms`, or at once when the signal aborts (the loop then ends). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A subscription field's resolve: the value of an event, or its error thrown (see LiveHub.stream). */
export function liveValue<T>(value: T | GraphQLError): T {
  if (value instanceof GraphQLError) throw value;
  return value;
}

const isFinal = (event: LiveEvent): boolean => 'error' in event || event.done === true;

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_LIMIT' } });
}

/** A stream event's error as the GraphQL error the subscriber sees. */
function eventError(event: Extract<LiveEvent, { error: unknown }>): GraphQLError {
  return new GraphQLError(event.error.message, { extensions: { code: event.error.code } });
}
