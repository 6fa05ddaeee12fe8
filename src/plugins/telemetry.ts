/**
 * One record per GraphQL request: its id, operation name, duration, upstream calls, error codes
 * and cache outcome; at the end it becomes one log line and the operation metrics.
 * Upstream calls are counted on the request's Caller (context) by the upstream client, and read
 * when execution is done (AsyncLocalStorage did the same at ~15% of the throughput on Node 20).
 * Plain hooks only: an `instrumentation` hook makes envelop wrap every phase of every request.
 * The same records serve yoga's hooks and src/http/fast-path.ts, which answers without them.
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, parse, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { takeCacheOutcome } from './response-cache.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Context } from '../context.js';
import type { HeaderSource } from '../upstream/credential.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export class RequestRecord {
  readonly id: string;
  /** set once the request turned out to be a GraphQL operation */
  graphql = false;
  /** the name of each operation (several in a batch), in the order of their results */
  private readonly operations: (string | null)[] = [];
  /** the upstream calls of all operations (each operation of a batch has its own context) */
  upstreamCalls = 0;
  private readonly errorCodes: string[] = [];
  private cache?: 'hit' | 'miss';
  /** each operation's error codes and cache outcome, for its metrics */
  private readonly results: { errorCodes: string[]; cache?: 'hit' | 'miss' }[] = [];

  constructor(
    request: HeaderSource,
    private readonly metrics: Metrics | null,
    private readonly logger: Logger | null,
    /** performance.now() when the request arrived */
    private readonly started = performance.now(),
  ) {
    const sent = request.headers.get('x-request-id');
    this.id = sent && REQUEST_ID.test(sent) ? sent : randomUUID();
  }

  /** an operation's parameters, in the order of the results to come */
  params(params: { operationName?: string | null; query?: string }): void {
    this.graphql = true;
    this.operations.push(params.operationName ?? operationNameOf(params.query));
  }

  /** an operation's result, read for its error codes and cache outcome; returns it without the cache's extension */
  result<T extends ExecutionResult>(one: T): T {
    this.graphql = true;
    const errorCodes = ((one.errors ?? []) as GraphQLError[]).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    this.errorCodes.push(...errorCodes);
    const cached = takeCacheOutcome(one);
    // a batch with any miss is a miss
    if (cached.outcome && this.cache !== 'miss') this.cache = cached.outcome;
    this.results.push({ errorCodes, cache: cached.outcome });
    return cached.result;
  }

  /** the answer is about to go: its headers, then the metrics and the log line */
  respond(status: number, setHeader: (name: string, value: string) => void): void {
    if (!this.graphql) return;
    setHeader('x-request-id', this.id);
    if (this.cache) setHeader('x-response-cache', this.cache);
    const ms = performance.now() - this.started;
    const { operations, results } = this;
    if (this.metrics) {
      // one sample per operation: a batch answers several (results are in the order of their params)
      if (results.length === 0) this.metrics.operation({ operation: operations[0] ?? null, ms, errorCodes: this.errorCodes, cache: this.cache });
      results.forEach((one, i) => this.metrics!.operation({ operation: operations[i] ?? null, ms, ...one }));
    }
    const level = this.errorCodes.length ? 'warn' : 'info';
    // the line's object is built only when it will be written (LOG_LEVEL=warn: not for an answer without errors)
    if (!this.logger?.isLevelEnabled(level)) return;
    const batched = operations.length > 1;
    this.logger[level](
      {
        reqId: this.id,
        // a batch: every operation's name, comma-separated (anonymous ones as "anonymous")
        operation: batched ? operations.map((name) => name ?? 'anonymous').join(',') : (operations[0] ?? null),
        batch: batched ? operations.length : undefined,
        status,
        durationMs: Math.round(ms * 10) / 10,
        upstreamCalls: this.upstreamCalls,
        cache: this.cache,
        errors: this.errorCodes.length ? this.errorCodes : undefined,
      },
      'graphql',
    );
  }
}

export interface Telemetry {
  /** yoga's hooks around the records */
  plugin: Plugin<Context>;
  /** a record for a request answered outside yoga's hooks (arrived at `started`); its context must carry `request` */
  track(request: HeaderSource, started?: number): RequestRecord;
}

export function createTelemetry({ metrics, logger }: { metrics: Metrics | null; logger: Logger | null }): Telemetry {
  const records = new WeakMap<HeaderSource, RequestRecord>();
  const track = (request: HeaderSource, started?: number) => {
    const record = new RequestRecord(request, metrics, logger, started);
    records.set(request, record);
    return record;
  };
  const plugin: Plugin<Context> = {
    onRequest({ request }) {
      track(request);
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request: HeaderSource };
      return {
        onExecuteDone() {
          const record = records.get(context.request);
          if (record) record.upstreamCalls += context.caller?.upstreamCalls ?? 0;
        },
      };
    },
    onParams({ request, params }) {
      records.get(request)?.params(params);
    },
    onResultProcess({ request, result, setResult }) {
      const record = records.get(request);
      if (!record || isAsyncIterable(result)) return;
      // A batch (JSON array) is one request with several results: each is read and stripped.
      setResult(Array.isArray(result) ? result.map((one) => record.result(one)) : record.result(result));
    },
    onResponse({ request, response }) {
      records.get(request)?.respond(response.status, (name, value) => response.headers.set(name, value));
    },
  };
  return { plugin, track };
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return Symbol.asyncIterator in value;
}

/** The name of a document's (only) operation; remembered per document text, a bounded number of them. */
const namesByDocument = new Map<string, string | null>();

function operationNameOf(query: string | undefined): string | null {
  if (!query) return null;
  let name = namesByDocument.get(query);
  if (name === undefined) {
    try {
      name = getOperationAST(parse(query, { noLocation: true }))?.name?.value ?? null;
    } catch {
      name = null;
    }
    if (namesByDocument.size >= 1_000) namesByDocument.clear();
    namesByDocument.set(query, name);
  }
  return name;
}
