/**
 * One record per GraphQL request: its id, operation name, duration, upstream calls, error codes
 * and cache outcome; at the end it becomes one log line and the operation metrics.
 * Upstream calls are counted on the request's Caller (context) by the upstream client, and read
 * when execution is done (AsyncLocalStorage did the same at ~15% of the throughput on Node 20).
 * Plain hooks only: an `instrumentation` hook makes envelop wrap every phase of every request.
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, parse, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { takeCacheOutcome } from './response-cache.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Context } from '../context.js';

interface RequestRecord {
  id: string;
  started: number;
  /** set once the request turned out to be a GraphQL operation */
  graphql: boolean;
  /** the name of each operation (several in a batch), in the order of their results */
  operations: (string | null)[];
  /** the upstream calls of all operations (each operation of a batch has its own context) */
  upstreamCalls: number;
  errorCodes: string[];
  cache?: 'hit' | 'miss';
  /** each operation's error codes and cache outcome, for its metrics */
  results: { errorCodes: string[]; cache?: 'hit' | 'miss' }[];
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function useTelemetry({ metrics, logger }: { metrics: Metrics | null; logger: Logger | null }): Plugin<Context> {
  const records = new WeakMap<Request, RequestRecord>();

  return {
    onRequest({ request }) {
      const sent = request.headers.get('x-request-id');
      records.set(request, {
        id: sent && REQUEST_ID.test(sent) ? sent : randomUUID(),
        started: performance.now(),
        graphql: false,
        operations: [],
        upstreamCalls: 0,
        errorCodes: [],
        results: [],
      });
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request: Request };
      return {
        onExecuteDone() {
          const record = records.get(context.request);
          if (record) record.upstreamCalls += context.caller?.upstreamCalls ?? 0;
        },
      };
    },
    onParams({ request, params }) {
      const record = records.get(request);
      if (!record) return;
      record.graphql = true;
      record.operations.push(params.operationName ?? operationNameOf(params.query));
    },
    onResultProcess({ request, result, setResult }) {
      const record = records.get(request);
      if (!record || isAsyncIterable(result)) return;
      record.graphql = true;
      // A batch (JSON array) is one request with several results: each is read and stripped.
      const results = (Array.isArray(result) ? result : [result]).map((one) => {
        const errorCodes = ((one.errors ?? []) as GraphQLError[]).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        record.errorCodes.push(...errorCodes);
        const cached = takeCacheOutcome(one);
        // a batch with any miss is a miss
        if (cached.outcome && record.cache !== 'miss') record.cache = cached.outcome;
        record.results.push({ errorCodes, cache: cached.outcome });
        return cached.result;
      });
      setResult(Array.isArray(result) ? results : results[0]);
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record?.graphql) return;
      response.headers.set('x-request-id', record.id);
      if (record.cache) response.headers.set('x-response-cache', record.cache);
      const ms = performance.now() - record.started;
      const { operations, results } = record;
      if (metrics) {
        // one sample per operation: a batch answers several (results are in the order of their params)
        if (results.length === 0) metrics.operation({ operation: operations[0] ?? null, ms, errorCodes: record.errorCodes, cache: record.cache });
        results.forEach((one, i) => metrics.operation({ operation: operations[i] ?? null, ms, ...one }));
      }
      const batched = operations.length > 1;
      logger?.[record.errorCodes.length ? 'warn' : 'info'](
        {
          reqId: record.id,
          // a batch: every operation's name, comma-separated (anonymous ones as "anonymous")
          operation: batched ? operations.map((name) => name ?? 'anonymous').join(',') : (operations[0] ?? null),
          batch: batched ? operations.length : undefined,
          status: response.status,
          durationMs: Math.round(ms * 10) / 10,
          upstreamCalls: record.upstreamCalls,
          cache: record.cache,
          errors: record.errorCodes.length ? record.errorCodes : undefined,
        },
        'graphql',
      );
    },
  };
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
