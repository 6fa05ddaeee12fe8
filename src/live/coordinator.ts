/** Who polls a (credential, query) and how its events reach subscribers. Keys and topics are hashes, never secrets. */
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
