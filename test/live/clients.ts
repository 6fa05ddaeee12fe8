/** Subscription clients for tests: GraphQL over SSE (fetch) and graphql-ws over WebSocket. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Stream {
  /** payloads received so far (`{data, errors}`) */
  events: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }[];
  /** resolves when the server ends the stream (true) or it was cancelled (false) */
  ended: Promise<boolean>;
  /** resolves once `n` events have arrived */
  next(n: number): Promise<void>;
  cancel(): void;
}

function streamOf(start: (push: (event: Stream['events'][number]) => void) => { ended: Promise<boolean>; cancel(): void }): Stream {
  const events: Stream['events'] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const push = (event: Stream['events'][number]) => {
    events.push(event);
    for (const w of [...waiters]) if (events.length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  const { ended, cancel } = start(push);
  return {
    events,
    ended,
    cancel,
    next: (n) =>
      events.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ n, resolve });
            void ended.then(() => events.length < n && reject(new Error(`the stream ended after ${events.length} of ${n} events: ${JSON.stringify(events)}`)));
          }),
  };
}

/** POST with Accept: text/event-stream, yoga's GraphQL over SSE ("distinct connections" mode). */
export function sse(url: string, query: string, variables: Record<string, unknown> = {}, auth: string | null = null): Stream {
  return streamOf((push) => {
    const abort = new AbortController();
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    const ended = (async () => {
      try {
        const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: abort.signal });
        if (!res.headers.get('content-type')?.includes('text/event-stream')) {
          push((await res.json()) as Stream['events'][number]);
          return true;
        }
        const decoder = new TextDecoder();
        let buffer = '';
        const reader = res.body!.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffer += decoder.decode(read.value, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: ?(.*)$/m.exec(block)?.[1];
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trim())
              .join('\n');
            if (event === 'complete') return true;
            if (data) push(JSON.parse(data));
          }
        }
        return true;
      } catch (error) {
        if (abort.signal.aborted) return false;
        throw error;
      }
    })();
    return { ended, cancel: () => abort.abort() };
  });
}

/** A graphql-ws client over a real WebSocket; the credential goes in connectionParams. */
export function wsClient(url: string, auth: string | null = null): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: auth === null ? {} : { authorization: `Bearer ${auth}` },
    retryAttempts: 0,
    lazy: true,
  });
}

export function wsSubscribe(client: Client, query: string, variables: Record<string, unknown> = {}, extensions?: Record<string, unknown>): Stream {
  return streamOf((push) => {
    let cancel = () => {};
    const ended = new Promise<boolean>((resolve, reject) => {
      let cancelled = false;
      const dispose = client.subscribe(
        { query, variables, ...(extensions ? { extensions } : {}) },
        {
          next: (value) => push(value as Stream['events'][number]),
          error: (error) => (cancelled ? resolve(false) : Array.isArray(error) ? (push({ errors: error as never }), resolve(true)) : reject(error)),
          complete: () => resolve(!cancelled),
        },
      );
      cancel = () => {
        cancelled = true;
        dispose();
      };
    });
    return { ended, cancel: () => cancel() };
  });
}
