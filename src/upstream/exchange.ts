/**
 * One upstream request and its answer through undici's `dispatch`: the body is taken chunk by chunk
 * as undici hands it over, capped, and the promise settles once, at its end. `pool.request` wraps
 * the same dispatch in a Readable stream per answer, with its events, ticks and promises: through
 * `dispatch`, the Node floor's four calls of query (4) cost 5–9% less CPU a request (docs/benchmarks.md,
 * "Round six: the upstream call path").
 *
 * `signal` is the call's (in-flight.ts for a read, the request's deadline for a key write): when it
 * aborts, the promise rejects with its reason at once, even for a request still queued in the pool,
 * and undici closes the request.
 */
import type { Dispatcher } from 'undici';
import type { Abortable } from './abortable.js';
import { UpstreamError } from './errors.js';

/**
 * Where the bytes of a 2xx answer go as they arrive (a usage scan's page pool, src/usage/page-pool.ts):
 * each chunk is copied at once into a buffer the taker reuses, so no chunk outlives its arrival.
 * Chunks kept until a ~5 MB page was complete lived long enough to reach the old generation, and the
 * main thread ran a full GC every few pages to free them (docs/benchmarks.md, "Usage pages off the main thread").
 */
export interface BodyBuffers {
  /** a buffer of `size` bytes, the taker's to reuse once it has read it */
  take(size: number): Uint8Array;
}

export interface ExchangeRequest {
  method: 'GET' | 'DELETE' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** answers larger than this are refused */
  maxBodyBytes: number;
  /** read a 2xx body as one byte array (taken from `buffers` when given) rather than as chunks */
  bytes?: { buffers?: BodyBuffers };
  signal?: Abortable;
}

/** An answer: its status and its body, as chunks, or for a 2xx answer read as bytes, as one array. */
export interface Answer {
  status: number;
  chunks: Buffer[];
  size: number;
  /** the body of a 2xx answer read as bytes (ExchangeRequest.bytes); null otherwise */
  bytes: Uint8Array | null;
}

/** Sends `request` through `dispatcher` (an undici Pool); `name` (the API path) words its errors. */
export function exchange(dispatcher: Dispatcher, name: string, request: ExchangeRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const handler = new Exchange(name, request, resolve, reject);
    if (request.signal?.aborted) return reject(request.signal.reason);
    request.signal?.addEventListener('abort', handler.abort, { once: true });
    dispatcher.dispatch({ method: request.method, path: request.path, headers: request.headers, body: request.body }, handler);
  });
}

/** The first buffer taken for a body of unknown length (a pool's may be larger: all of it is used). */
const UNKNOWN_LENGTH_BYTES = 1024 * 1024;

class Exchange implements Dispatcher.DispatchHandler, Answer {
  status = 0;
  chunks: Buffer[] = [];
  size = 0;
  bytes: Uint8Array | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  /** past this many bytes the answer is refused: maxBodyBytes, or the Content-Length of a body read as bytes */
  private max = 0;

  constructor(
    private readonly name: string,
    private readonly request: ExchangeRequest,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // (undici may start a request again when a kept-alive connection failed under it: from scratch)
    this.controller = controller;
    this.status = 0;
    this.chunks = [];
    this.size = 0;
    this.bytes = null;
    // aborted while queued in the pool: the promise has already rejected
    if (this.settled) controller.abort(asError(this.request.signal?.reason));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = status;
    this.max = this.request.maxBodyBytes;
    if (!this.request.bytes || status < 200 || status >= 300) return;
    const header = headers['content-length'];
    const length = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : -1;
    if (length > this.max) return this.fail(controller, this.tooLarge());
    // undici ends the body at its Content-Length, and fails one cut short
    if (length >= 0) this.max = length;
    this.bytes = length >= 0 ? this.take(length) : whole(this.take(UNKNOWN_LENGTH_BYTES));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const at = this.size;
    if (at + chunk.length > this.max) return this.fail(controller, this.tooLarge());
    this.size += chunk.length;
    if (!this.bytes) {
      this.chunks.push(chunk);
      return;
    }
    // (without a Content-Length, Go's net/http, new-api's server, sends a large answer chunked)
    if (this.size > this.bytes.length) {
      const larger = whole(this.take(Math.max(2 * this.bytes.length, this.size)));
      larger.set(this.bytes.subarray(0, at));
      this.bytes = larger;
    }
    this.bytes.set(chunk, at);
  }

  onResponseEnd(): void {
    if (this.bytes) this.bytes = this.bytes.subarray(0, this.size);
    if (this.settle()) this.resolve(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settle()) this.reject(error);
  }

  /** the call's signal aborted */
  readonly abort = (): void => {
    const reason = this.request.signal!.reason;
    if (this.settle()) this.reject(reason);
    this.controller?.abort(asError(reason));
  };

  private fail(controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settle()) this.reject(error);
    controller.abort(error);
  }

  /** true the first time only */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.request.signal?.removeEventListener('abort', this.abort);
    return true;
  }

  private take(size: number): Uint8Array {
    return this.request.bytes?.buffers?.take(size) ?? new Uint8Array(size);
  }

  private tooLarge(): UpstreamError {
    const { name, request } = this;
    return new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answer to ${name} exceeded ${request.maxBodyBytes} bytes`, { path: name });
  }
}


const asError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error(String(reason)));

/** All of the memory behind `bytes` from its start. */
const whole = (bytes: Uint8Array) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset);
