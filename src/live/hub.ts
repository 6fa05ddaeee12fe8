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

/** One subscriber's delivery: the payload as received, and its event parsed once for the whole topic. */
type Deliver = (payload: string, event: LiveEvent) => void;

/** A key's poller on this instance: its lease, its one coordinator subscription, its subscribers here. */
interface Topic {
  subscribers: Set<Deliver>;
  lease: { release(): void };
  unsubscribe: () => void;
  /** the topic's payloads parsed; a late subscriber replaying the last one gets the same event */
  parse: (payload: string) => LiveEvent;
}

export class LiveHub {
  private readonly pollers = new Map<string, Topic>();
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
   * The value `toItems` gets is parsed once per event and shared by every subscriber of the key:
   * it is frozen, so copy it before changing it.
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
      const deliver: Deliver = (payload, event) => {
        if (payload === last) return; // the latest replayed and the same publication received
        last = payload;
        let items: (T | GraphQLError)[];
        let final = isFinal(event);
        if ('error' in event) items = [eventError(event)];
        else {
          // this subscriber's failure (e.g. changing the shared frozen value) ends its stream only
          try {
            items = toItems(event.value);
          } catch (error) {
            items = [new GraphQLError('This subscription failed to read an event', { originalError: error as Error })];
            final = true;
          }
        }
        for (const item of items) void push(item);
        if (final) stop();
      };
      const topic = this.join(watch, deliver);
      try {
        const latest = await this.coordinator.latest(watch.key);
        if (latest !== null) {
          const event = topic.parse(latest);
          // An ended poller's last word reaches late subscribers too, or they would wait forever.
          if (watch.replayLatest || isFinal(event)) deliver(latest, event);
        }
        await stop;
      } finally {
        this.leave(watch.key, topic, deliver);
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

  /**
   * Adds a subscriber of the key. The first one subscribes to the key's topic (one coordinator
   * subscription per key, whose events are parsed once and handed to every subscriber here) and
   * then asks to lead its poller, so the poller's first event cannot pass before anyone listens.
   */
  private join(watch: Watch, deliver: Deliver): Topic {
    let topic = this.pollers.get(watch.key);
    if (!topic) {
      const subscribers = new Set<Deliver>();
      const parse = parseOnce();
      const unsubscribe = this.coordinator.subscribe(watch.key, (payload) => {
        const event = parse(payload);
        for (const subscriber of [...subscribers]) subscriber(payload, event);
      });
      const lease = this.coordinator.lead(watch.key, (signal) => void this.run(watch.key, watch.poller(), signal));
      this.pollers.set(watch.key, (topic = { subscribers, lease, unsubscribe, parse }));
    }
    topic.subscribers.add(deliver);
    return topic;
  }

  /** Removes a subscriber of the key; the last one's leaving unsubscribes and releases the poller's lease. */
  private leave(key: string, topic: Topic, deliver: Deliver): void {
    topic.subscribers.delete(deliver);
    if (topic.subscribers.size > 0) return;
    if (this.pollers.get(key) === topic) this.pollers.delete(key);
    topic.unsubscribe();
    topic.lease.release();
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

/**
 * Parses a topic's payloads into events frozen all through, keeping the last one: every subscriber
 * of the topic gets the same object, and none can change what another sees.
 */
function parseOnce(): (payload: string) => LiveEvent {
  let last: { payload: string; event: LiveEvent } | null = null;
  return (payload) => {
    if (last?.payload !== payload) {
      const event = JSON.parse(payload, (_key, value: unknown) => (typeof value === 'object' && value !== null ? Object.freeze(value) : value)) as LiveEvent;
      last = { payload, event };
    }
    return last.event;
  };
}

const isFinal = (event: LiveEvent): boolean => 'error' in event || event.done === true;

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_LIMIT' } });
}

/** A stream event's error as the GraphQL error the subscriber sees. */
function eventError(event: Extract<LiveEvent, { error: unknown }>): GraphQLError {
  return new GraphQLError(event.error.message, { extensions: { code: event.error.code } });
}
