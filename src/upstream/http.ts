/**
 * The one way to talk to the upstream: an undici Pool with keep-alive and explicit timeouts.
 * Every response body is consumed or dumped (or undici holds the connection), bodies are capped,
 * and every failure becomes an UpstreamError. The credential goes into the header only.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { UpstreamError, envelopeError, statusError } from './errors.js';

export interface HttpOptions {
  baseUrl: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBodyBytes: number;
  connections: number;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'baseUrl'> = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 30_000,
  maxBodyBytes: 64 * 1024 * 1024,
  connections: 32,
};

export type Query = Record<string, string | number | undefined>;

/** Observes every upstream call (metrics, logs, tests); never sees the credential. */
export type CallListener = (call: { path: string; status: number | null; ms: number; error?: UpstreamError }) => void;

export class UpstreamHttp {
  private readonly pool: Pool;
  private readonly basePath: string;
  private listeners: CallListener[] = [];

  constructor(readonly options: HttpOptions) {
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  onCall(listener: CallListener): void {
    this.listeners.push(listener);
  }

  /**
   * GET `path?query` and return the `data` of the `{success,message,data}` envelope.
   * A body without `success` (as /yescale/apikeylist sends) is accepted when it has `data`.
   */
  async getData(path: string, query: Query, credential: string, signal?: AbortSignal): Promise<unknown> {
    const started = performance.now();
    let status: number | null = null;
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: this.basePath + path + toSearch(query),
        headers: { authorization: `Bearer ${credential}`, accept: 'application/json' },
        signal,
      });
      status = res.statusCode;
      const text = await readCapped(res.body, this.options.maxBodyBytes, path);
      const data = decode(path, res.statusCode, text);
      this.emit({ path, status, ms: performance.now() - started });
      return data;
    } catch (cause) {
      const error = toUpstreamError(path, cause);
      this.emit({ path, status, ms: performance.now() - started, error });
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private emit(call: Parameters<CallListener>[0]): void {
    for (const listener of this.listeners) listener(call);
  }
}

function toSearch(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answer to ${path} exceeded ${max} bytes`, { path });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function decode(path: string, status: number, text: string): unknown {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    if (status >= 200 && status < 300) {
      throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} with a body that is not JSON`, { path, status });
    }
  }
  const envelope = isObject(json) ? json : undefined;
  const message = typeof envelope?.message === 'string' ? envelope.message : undefined;
  if (status < 200 || status >= 300) throw statusError(path, status, message);
  if (!envelope) {
    throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} without a JSON object`, { path, status });
  }
  if (envelope.success === false) throw envelopeError(path, status, message ?? '');
  if (!('data' in envelope)) {
    throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answered ${path} without "data"`, { path, status });
  }
  return envelope.data;
}

function toUpstreamError(path: string, cause: unknown): UpstreamError {
  if (cause instanceof UpstreamError) return cause;
  if (cause instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new UpstreamError('UPSTREAM_BAD_RESPONSE', `The upstream answer to ${path} was too large`, { path });
  }
  const name = cause instanceof Error ? cause.name : 'Error';
  const what =
    cause instanceof undiciErrors.ConnectTimeoutError
      ? 'connect timeout'
      : cause instanceof undiciErrors.HeadersTimeoutError
        ? 'timed out waiting for headers'
        : cause instanceof undiciErrors.BodyTimeoutError
          ? 'timed out reading the body'
          : name === 'AbortError' || cause instanceof undiciErrors.RequestAbortedError
            ? 'request aborted (deadline)'
            : cause instanceof SyntaxError
              ? 'malformed body'
              : 'connection failed';
  return new UpstreamError('UPSTREAM_UNAVAILABLE', `The upstream is unavailable on ${path}: ${what}`, { path });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
