/**
 * The most common request, answered without yoga's fetch-API layer: a POST to /graphql of one
 * JSON operation (query or mutation) that parses and validates. yoga's Request/Response objects,
 * its hook iteration and their promises took ~40% of the CPU of a small query
 * (docs/benchmarks.md, "The fast path"). What runs here is yoga's own envelop pipeline
 * (`gateway.getEnveloped`: parse and validation caches, limits, masked errors, graphql-jit, the
 * context), then its own `processRegularResult` for the status, content type and body.
 *
 * Anything else goes to yoga untouched, before anything was executed: other methods, paths or
 * content types, an `Accept` not listed below, an `Origin` (browsers: CORS and CSRF stay yoga's),
 * batches, `extensions` (persisted documents), unexpected parameters, documents that do not parse
 * or validate (yoga words those errors), subscriptions, and with the response cache on, a request
 * with If-None-Match (the cache's 304 is a yoga hook). With the cache, a stored answer goes out
 * before the context is built or anything executes, as the cache's yoga hook serves it
 * (src/plugins/response-cache.ts). A trusted-documents manifest, whose plugin acts on every HTTP
 * request, turns the fast path off (src/gateway.ts). test/fast-path.test.ts compares its answers
 * with yoga's, with the cache off and on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, type ExecutionResult } from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import type { Gateway } from '../gateway.js';
import type { HeaderSource } from '../upstream/credential.js';

/** Accept headers whose media type yoga's negotiation is known to pick (checked by the test); others go to yoga. */
const MEDIA_TYPES = new Map<string | undefined, string>([
  [undefined, 'application/json'],
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  ['application/json, */*', 'application/json'],
  ['application/json, text/plain, */*', 'application/json'], // axios
  ['application/graphql-response+json', 'application/graphql-response+json'],
  ['application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json'],
  ['application/graphql-response+json,application/json;q=0.9', 'application/graphql-response+json'], // Apollo Client
  ['application/graphql-response+json, application/json', 'application/graphql-response+json'], // graphql-request, graphql-http
  ['application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed', 'application/graphql-response+json'], // urql
]);

const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * yoga's result processor builds a Response from (body, init): this one only keeps them. It relies on
 * processRegularResult calling `new Response(body, init)` with plain-object headers (yoga 5.24), and
 * on its body being null only for a stream (406), which the fast path never executes.
 */
class Answer {
  constructor(
    readonly body: string | null,
    readonly init: { status: number; headers: Record<string, string> },
  ) {}
}
const ANSWER_API = { Response: Answer } as unknown as Parameters<typeof processRegularResult>[1];

/** node's headers as a fetch Headers' `get`, for the credential and the request id; the method for plugins that read it */
class RequestView implements HeaderSource {
  readonly method = 'POST';
  readonly headers: HeaderSource['headers'];
  constructor(req: IncomingMessage) {
    this.headers = { get: (name) => header(req, name) };
  }
}

/**
 * Answers the request and returns true, or returns false having done nothing (yoga answers it).
 * `body` is the whole request body, already read and capped (src/http/server.ts).
 */
export function answerFast(gateway: Gateway, req: IncomingMessage, res: ServerResponse, body: Buffer | null): boolean {
  const started = performance.now();
  const fastPath = gateway.fastPath;
  if (!fastPath || req.method !== 'POST' || req.url !== '/graphql' || !body || req.headers.origin !== undefined) return false;
  const contentType = req.headers['content-type'];
  const mediaType = MEDIA_TYPES.get(req.headers.accept);
  if (!contentType || !JSON_TYPES.has(contentType) || !mediaType) return false;
  // a revalidation: the response cache's 304 is a yoga hook (src/plugins/response-cache.ts)
  if (fastPath.cachedAnswer && req.headers['if-none-match'] !== undefined) return false;
  const params = paramsOf(body);
  if (!params) return false;
  const request = new RequestView(req);
  // (the object execution gets as its context: envelop extends it)
  const initialContext = { request, params, req, res };
  const enveloped = gateway.getEnveloped(initialContext);
  let document;
  try {
    document = enveloped.parse(params.query);
    // (the limits' rules throw their refusals from validation: yoga words those too)
    if (enveloped.validate(enveloped.schema, document).length > 0) return false;
  } catch {
    return false;
  }
  const operation = getOperationAST(document, params.operationName)?.operation;
  if (operation !== 'query' && operation !== 'mutation') return false;

  fastPath.served++;
  const record = fastPath.track(request, started);
  record.params(params);
  const answerOf = (result: ExecutionResult) => processRegularResult(result, ANSWER_API, mediaType) as unknown as Answer;
  const write = ({ body, init }: Answer) => {
    const headers: Record<string, string | number> = { ...init.headers, 'content-length': Buffer.byteLength(body ?? '') };
    record.respond(init.status, (name, value) => (headers[name] = value));
    res.writeHead(init.status, headers).end(body ?? undefined);
  };
  const run = async () => {
    // as the cache's onParams hook under yoga: a stored answer goes out without a context or execution
    const cached = fastPath.cachedAnswer && (await fastPath.cachedAnswer(initialContext, request, params));
    if (cached) return cached;
    const contextValue = await enveloped.contextFactory();
    const args = { schema: enveloped.schema, document, contextValue, variableValues: params.variables, operationName: params.operationName };
    return (await enveloped.execute(args)) as ExecutionResult;
  };
  // As yoga: a throw (not an error in the result) is masked (and logged); so is an answer that cannot
  // be made (a value JSON cannot hold). Nothing here may reject unhandled: that ends the process.
  void run()
    .catch((error: unknown): ExecutionResult => ({ errors: [fastPath.maskError(error)] }))
    .then((result) => write(answerOf(record.result(result))))
    .catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      try {
        write(answerOf({ errors: [fastPath.maskError(error)] }));
      } catch {
        res.destroy();
      }
    });
  return true;
}

/** The body as `{query, variables?, operationName?}`, or null for anything else. */
function paramsOf(body: Buffer): Params | null {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isPlainObject(params) || typeof params.query !== 'string' || params.query === '') return null;
  for (const key in params) if (key !== 'query' && key !== 'variables' && key !== 'operationName') return null;
  const { variables, operationName } = params;
  if (variables !== undefined && variables !== null && !isPlainObject(variables)) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  return params as unknown as Params;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}
