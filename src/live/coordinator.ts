/**
 * Who polls a (credential, query) and how its events reach subscribers. LocalCoordinator does both
 * in this process; src/live/redis-coordinator.ts does them across instances.
 */

/**
 * Who polls a (credential, query) and how its events reach subscribers. Keys and topics are
 * pollKey's hashes (src/live/caller.ts), never secrets: a coordinator uses them as they are.
 */
export interface Coordinator {
  /** Calls `start` when this instance becomes the one that polls `key`; aborts the signal given to it when it stops being that (lease lost, release(), close()). Local: at once. Redis: under a lease other instances take over when it expires. */
  lead(key: string, start: (signal: AbortSignal) => void): { release(): void };
  /** Sends a payload (a JSON string) to the subscribers of `topic` on every instance, and keeps it as the topic's latest. */
  publish(topic: string, payload: string): Promise<void>;
  /** The topic's latest payload, if any (a new subscriber's first event without a new upstream call). */
  latest(topic: string): Promise<string | null>;
  /** Payloads of `topic` from any instance, this one included. Returns the unsubscribe function. */
  subscribe(topic: string, onMessage: (payload: string) => void): () => void;
  close(): Promise<void>;
}

/** One process: every lead() starts at once, publish() reaches this process's subscribers. */
export class LocalCoordinator implements Coordinator {
  private readonly leases = new Set<AbortController>();
  private readonly latestByTopic = new Map<string, string>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();

  lead(_key: string, start: (signal: AbortSignal) => void): { release(): void } {
    const lease = new AbortController();
    this.leases.add(lease);
    start(lease.signal);
    return {
      release: () => {
        this.leases.delete(lease);
        lease.abort();
      },
    };
  }

  async publish(topic: string, payload: string): Promise<void> {
    // Kept only while someone listens: a topic nobody watches must not hold memory forever.
    if (this.listeners.has(topic)) this.latestByTopic.set(topic, payload);
    for (const listener of [...(this.listeners.get(topic) ?? [])]) listener(payload);
  }

  async latest(topic: string): Promise<string | null> {
    return this.latestByTopic.get(topic) ?? null;
  }

  subscribe(topic: string, onMessage: (payload: string) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(onMessage);
    return () => {
      set.delete(onMessage);
      if (set.size === 0 && this.listeners.get(topic) === set) {
        this.listeners.delete(topic);
        this.latestByTopic.delete(topic);
      }
    };
  }

  async close(): Promise<void> {
    for (const lease of this.leases) lease.abort();
    this.leases.clear();
    this.listeners.clear();
    this.latestByTopic.clear();
  }
}
