/**
 * The one way to talk to the upstream: an undici Pool with keep-alive and explicit timeouts,
 * each request through exchange.ts (bodies taken as they arrive and capped), and every failure
 * becomes an UpstreamError. The credential goes into the header only; anything
 * keyed by caller (dedupe, limiter) uses its hash.
 *
 * One call runs through the policies, outermost first:
 *   in-flight dedupe (same credential + URL) -> retry (deadline-aware) -> circuit breaker
 *   -> concurrency limiter (overall and per credential) -> the HTTP request.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { Abortable } from './abortable.js';
import { BodyBuffer } from './body-buffer.js';
import { exchange, type BodyBuffers } from './exchange.js';
import { CircuitBreaker, CircuitOpenError, DEFAULT_BREAKER_OPTIONS, type BreakerOptions, type CircuitState } from './circuit-breaker.js';
import { UpstreamError } from './errors.js';
import { decode } from './envelope.js';
import type { Credential } from './credential.js';
import { InFlight } from './in-flight.js';
import { DEFAULT_LIMITER_OPTIONS, Limiter, type LimiterOptions } from './limiter.js';
import { DEFAULT_RETRY_OPTIONS, withRetry, type RetryOptions } from './retry.js';
import type { BodyEncoding } from './json.js';

export interface HttpOptions extends RetryOptions, BreakerOptions, LimiterOptions {
  baseUrl: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'baseUrl'> = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 30_000,
  maxBodyBytes: 64 * 1024 * 1024,
  ...DEFAULT_RETRY_OPTIONS,
  ...DEFAULT_BREAKER_OPTIONS,
  ...DEFAULT_LIMITER_OPTIONS,
};

export type Query = Record<string, string | number | undefined>;

/** A 2xx answer's body, unread (UpstreamHttp.getBody). */
export interface RawBody {
  status: number;
  bytes: Uint8Array;
}

/**
 * Who a call is for: the credential sent upstream (in the header only), the request's deadline
 * (`signal` aborts, `deadline` in epoch ms bounds retries), and the count of upstream requests
 * actually sent for it (a call joined in flight or refused by the open circuit sends none).
 */
export interface Caller {
  /** parsed and hashed once per request (credential.ts) */
  credential: Credential;
  signal?: Abortable;
  deadline?: number;
  upstreamCalls: number;
}


/**
 * Observes every upstream attempt (metrics, logs, tests); never sees the credential.
 * `attempt` counts from 0 (retries are 1, 2, ...); `status` is null when no answer came
 * (including calls refused by the open circuit); `circuit` is the breaker's state afterwards.
 */
export type CallListener = (call: {
  path: string;
  status: number | null;
  ms: number;
  error?: UpstreamError;
  attempt: number;
  circuit: CircuitState;
  /** the caller's Credential.id, for audit lines; never the secret */
  callerId?: string;
}) => void;

export class UpstreamHttp {
  private readonly pool: Pool;
  private readonly basePath: string;
  private listeners: CallListener[] = [];
  private readonly breaker: CircuitBreaker;
  private readonly limiter: Limiter;
  private readonly inFlight = new InFlight();
  private readonly bodyBuffer = new BodyBuffer();

  constructor(readonly options: HttpOptions) {
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(url.origin, {
      // one connection per call the limiter admits: none waits in undici's queue, where a call whose
      // deadline passed would stay until a connection took (and dropped) it
      connections: options.maxConcurrent,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 10_000,
    });
    this.breaker = new CircuitBreaker(options);
    this.limiter = new Limiter(options);
  }

  /** The circuit breaker's state now (for metrics and /readyz-style checks). */
  circuit(): CircuitState {
    return this.breaker.state();
  }

  /** Upstream calls running, queued behind the limiter, and distinct calls in flight. */
  load(): { active: number; queued: number; inFlight: number } {
    return { ...this.limiter.load(), inFlight: this.inFlight.size() };
  }

  onCall(listener: CallListener): void {
    this.listeners.push(listener);
  }

  /**
   * GET `path?query` and return the `data` of the `{success,message,data}` envelope.
   * A body without `success` (as /yescale/apikeylist sends) is accepted when it has `data`.
   */
  getData(path: string, query: Query, caller: Caller, encoding: BodyEncoding = 'utf8'): Promise<unknown> {
    return this.get(path, query, caller, encoding);
  }

  /**
   * GET `path?query` and return a 2xx answer's body as bytes, unread: for a caller that parses
   * them elsewhere (a worker thread, src/usage/) and checks the envelope there with `decode`
   * (envelope.ts). Any other status is classified here, as by getData. The body is read into a
   * buffer of `buffers` when given.
   */
  async getBody(path: string, query: Query, caller: Caller, buffers?: BodyBuffers): Promise<RawBody> {
    // Callers joined in flight get the same bytes: the pool lending the buffer hands it to the first
    // page that claims it and copies it for any other (PagePool.claim, src/usage/page-pool.ts).
    return (await this.get(path, query, caller, 'bytes', buffers)) as RawBody;
  }

  private get(path: string, query: Query, caller: Caller, encoding: BodyEncoding | 'bytes', buffers?: BodyBuffers): Promise<unknown> {
    if (!caller.credential.sendable) return Promise.reject(unsendable(path));
    const target = this.basePath + path + toSearch(query);
    const result = this.inFlight.run(`${caller.credential.id} ${encoding} ${target}`, caller.deadline ?? Infinity, caller.signal, (shared, latest) =>
      withRetry(this.options, (attempt) => this.attempt(path, target, caller, shared, attempt, encoding, buffers), latest, shared),
    );
    return result.catch((cause: unknown) => {
      throw toUpstreamError(path, cause);
    });
  }

  /**
   * A key write (DELETE, or PUT with a JSON body); resolves when the upstream said `success:true`.
   * Never retried and never joined in flight: once the request may have been sent, a second one
   * could act twice (or a merged caller would get another caller's outcome), so a failure is
   * reported as it is. The breaker and the limiter still apply, as to reads.
   */
  async write(method: 'DELETE' | 'PUT', path: string, body: unknown, caller: Caller): Promise<void> {
    if (!caller.credential.sendable) throw unsendable(path);
    const target = this.basePath + path;
    try {
      await this.attempt(path, target, caller, caller.signal, 0, 'utf8', undefined, { method, body });
    } catch (cause) {
      throw toUpstreamError(path, cause);
    }
  }

  /** One try: breaker, a limiter slot, the request, and the outcome reported to the breaker and listeners. */
  private async attempt(
    path: string,
    target: string,
    caller: Caller,
    signal: Abortable | undefined,
    attempt: number,
    encoding: BodyEncoding | 'bytes',
    buffers: BodyBuffers | undefined,
    write?: { method: 'DELETE' | 'PUT'; body: unknown },
  ): Promise<unknown> {
    if (this.breaker.state() === 'open') throw this.refuse(path, attempt);
    const release = this.limiter.tryAcquire(caller.credential.id, signal) ?? (await this.limiter.acquire(caller.credential.id, signal));
    try {
      if (!this.breaker.tryPass()) throw this.refuse(path, attempt);
      const started = performance.now();
      let status: number | null = null;
      caller.upstreamCalls++;
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${caller.credential.secret}`, accept: 'application/json' };
        if (write?.body !== undefined) headers['content-type'] = 'application/json';
        const answer = await exchange(this.pool, path, {
          method: write?.method ?? 'GET',
          path: target,
          headers,
          body: write?.body === undefined ? undefined : JSON.stringify(write.body),
          maxBodyBytes: this.options.maxBodyBytes,
          // bytes of a 2xx answer are checked where they are parsed (getBody); an error body is read as text here
          bytes: encoding === 'bytes' ? { buffers } : undefined,
          signal,
        });
        status = answer.status;
        let data: unknown;
        if (answer.bytes) data = { status, bytes: answer.bytes } satisfies RawBody;
        else {
          const textEncoding = encoding === 'bytes' ? 'latin1' : encoding;
          // a write's answer is `{"message":"","success":true}`, no `data` (as YEScale documents)
          data = decode(path, status, this.bodyBuffer.text(answer.chunks, answer.size, textEncoding), textEncoding, write === undefined);
        }
        this.breaker.success();
        this.emit({ path, status, ms: performance.now() - started, attempt, circuit: this.breaker.state(), callerId: caller.credential.id });
        return data;
      } catch (cause) {
        const error = toUpstreamError(path, cause);
        // Only an unreachable, failing or too slow upstream counts against the circuit (undici's
        // own connect/headers/body timeouts do not abort `signal`). `signal` aborts only when every
        // caller left, the request deadline included (in-flight.ts): that says nothing about the
        // upstream, else one slow `usage` walk would count each page it cut as a failure for every
        // tenant. Any other answer proves the upstream is up.
        if (error.kind !== 'UPSTREAM_UNAVAILABLE') this.breaker.success();
        else if (signal?.aborted) this.breaker.neutral();
        else this.breaker.failure();
        this.emit({ path, status, ms: performance.now() - started, error, attempt, circuit: this.breaker.state(), callerId: caller.credential.id });
        throw error;
      }
    } finally {
      release();
    }
  }

  private refuse(path: string, attempt: number): CircuitOpenError {
    const error = new CircuitOpenError(path, this.breaker.retryInMs());
    this.emit({ path, status: null, ms: 0, error, attempt, circuit: this.breaker.state() });
    return error;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private emit(call: Parameters<CallListener>[0]): void {
    for (const listener of this.listeners) listener(call);
  }
}

/**
 * `?name=value&...` of the query's set values, as URLSearchParams writes them. Most values are numbers
 * or plain words and are written as they are: a URLSearchParams for every call cost ~1 µs.
 */
export function toSearch(query: Query): string {
  let search = '';
  for (const name in query) {
    const value = query[name];
    if (value !== undefined && value !== '') search += `${search ? '&' : '?'}${formEncode(name)}=${formEncode(String(value))}`;
  }
  return search;
}

/** characters URLSearchParams writes as they are */
const PLAIN = /^[\w.*-]*$/;
const formEncode = (text: string): string => (PLAIN.test(text) ? text : new URLSearchParams([['', text]]).toString().slice(1));

/** A credential that cannot go in a header (Credential.sendable). */
const unsendable = (path: string) =>
  new UpstreamError('UNAUTHENTICATED', 'The access key has characters no access key has (only visible ASCII can be sent): nothing was sent upstream', { path });

function toUpstreamError(path: string, cause: unknown): UpstreamError {
  if (cause instanceof UpstreamError) return cause;
  const name = cause instanceof Error ? cause.name : 'Error';
  const what =
    cause instanceof undiciErrors.ConnectTimeoutError
      ? 'connect timeout'
      : cause instanceof undiciErrors.HeadersTimeoutError
        ? 'timed out waiting for headers'
        : cause instanceof undiciErrors.BodyTimeoutError
          ? 'timed out reading the body'
          : name === 'AbortError' || name === 'TimeoutError' || cause instanceof undiciErrors.RequestAbortedError
            ? 'request aborted (deadline)'
            : cause instanceof SyntaxError
              ? 'malformed body'
              : 'connection failed';
  return new UpstreamError('UPSTREAM_UNAVAILABLE', `The upstream is unavailable on ${path}: ${what}`, { path });
}
