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
import { takeCacheOutcome } from './cache.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Context } from './context.js';

interface RequestRecord {
  id: string;
  started: number;
  /** set once the request turned out to be a GraphQL operation */
  graphql: boolean;
  operation: string | null;
  upstreamCalls: number;
  errorCodes: string[];
  cache?: 'hit' | 'miss';
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
        operation: null,
        upstreamCalls: 0,
        errorCodes: [],
      });
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request: Request };
      return {
        onExecuteDone() {
          const record = records.get(context.request);
          if (record) record.upstreamCalls = context.caller?.upstreamCalls ?? 0;
        },
      };
    },
    onParams({ request, params }) {
      const record = records.get(request);
      if (!record) return;
      record.graphql = true;
      record.operation = params.operationName ?? operationNameOf(params.query);
    },
    onResultProcess({ request, result, setResult }) {
      const record = records.get(request);
      if (!record || isAsyncIterable(result)) return;
      record.graphql = true;
      // A batch (JSON array) is one request with several results: each is read and stripped.
      const results = (Array.isArray(result) ? result : [result]).map((one) => {
        for (const error of (one.errors ?? []) as GraphQLError[]) record.errorCodes.push(String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        const cached = takeCacheOutcome(one);
        // a batch with any miss is a miss
        if (cached.outcome && record.cache !== 'miss') record.cache = cached.outcome;
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
      metrics?.operation({ operation: record.operation, ms, errorCodes: record.errorCodes, cache: record.cache });
      logger?.[record.errorCodes.length ? 'warn' : 'info'](
        {
          reqId: record.id,
          operation: record.operation,
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
