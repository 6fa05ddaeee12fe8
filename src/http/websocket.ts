/**
 * graphql-ws over WebSocket on the HTTP server's port and path (/graphql), following yoga's
 * documented integration: each operation runs through the gateway's envelop (context with the
 * credential, query limits, masked errors); trusted documents are checked here, as yoga's
 * plugin for them only sees HTTP requests. Mutations are refused: a key write is sent as an HTTP
 * request, as it always was here. Each operation gets a request record (src/plugins/telemetry.ts)
 * of its own, ended when the operation completes: one log line and one metrics sample, as over
 * HTTP, with `status` 101 (the socket's) and the error codes of all its events.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { GraphQLError, getOperationAST } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context } from '../context.js';
import type { Gateway } from '../gateway.js';
import { maskError } from '../plugins/mask-error.js';
import { RequestRecord } from '../plugins/telemetry.js';
import { trustedDocument } from '../plugins/trusted-documents.js';
import type { HeaderSource } from '../upstream/credential.js';

type Enveloped = ReturnType<Gateway['getEnveloped']>;

export interface WebSocketTransport {
  /** closes every socket (after server.ts has ended their streams) */
  close(): Promise<void>;
}

export function attachWebSocket(server: Server, gateway: Gateway, path = '/graphql'): WebSocketTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: gateway.limits.maxRequestBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.split('?')[0] !== path) return refuse(socket, 404, 'Not Found');
    // A page elsewhere must not subscribe with the server's access key: the browser always sends
    // Origin on a WebSocket, and nothing like CORS guards its answer.
    if (!allowedOrigin(req, gateway.corsOrigins)) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  /** each operation's record, by its payload (the one object every graphql-ws hook gets for it) */
  const operations = new WeakMap<SubscribePayload, { record: RequestRecord; errors: readonly GraphQLError[]; context?: Pick<Context, 'caller'> }>();
  const finish = (params: SubscribePayload, errors: readonly GraphQLError[] = []) => {
    const operation = operations.get(params);
    if (!operation) return;
    operations.delete(params);
    operation.record.upstreamCalls += operation.context?.caller?.upstreamCalls ?? 0;
    operation.record.result({ errors: [...operation.errors, ...errors] } as ExecutionResult);
    operation.record.respond(101, () => undefined);
  };
  /** the operation's errors so far; the record reads them when it ends */
  const saw = (params: SubscribePayload, errors: readonly GraphQLError[] | undefined) => {
    const operation = operations.get(params);
    if (operation && errors?.length) operation.errors = [...operation.errors, ...errors];
  };
  // Refused before execution: graphql-ws sends the errors and never completes the operation.
  const refused = (params: SubscribePayload, errors: readonly GraphQLError[]) => (finish(params, errors), errors);

  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const started = performance.now();
        const query = gateway.trustedDocuments ? trustedDocument(gateway.trustedDocuments, params) : params.query;
        // Browsers cannot set headers on a WebSocket: the credential comes in connectionParams,
        // else the upgrade request's header, else the server's own, as over HTTP.
        const sent = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization ?? ctx.extra.request.headers.authorization;
        // what the context and plugins read of a request: its headers (a fetch Request per operation cost more)
        const authorization = typeof sent === 'string' ? sent : null;
        const request: HeaderSource = { headers: { get: (name) => (name.toLowerCase() === 'authorization' ? authorization : null) } };
        const record = new RequestRecord(request, gateway.metrics, gateway.requests.logger, started);
        record.params({ operationName: params.operationName, query: typeof query === 'string' ? query : undefined });
        operations.set(params, { record, errors: [] });
        try {
          if (query instanceof GraphQLError) return refused(params, [query]);
          const enveloped = gateway.getEnveloped({ request, params });
          const document = enveloped.parse(query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return refused(params, errors);
          if (getOperationAST(document, params.operationName)?.operation === 'mutation') return refused(params, [MUTATION_REFUSED]);
          const contextValue = await enveloped.contextFactory();
          // the gateway's Context (src/context.ts), typed by envelop as a spread of its plugins' contexts
          operations.get(params)!.context = contextValue as unknown as Context;
          const args: ExecutionArgs = {
            schema: enveloped.schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue,
            rootValue: enveloped,
          };
          return args;
        } catch (error) {
          // a GraphQLError (a document that does not parse, a limit's refusal) is sent as the operation's errors
          if (error instanceof GraphQLError) return refused(params, [error]);
          // anything else closes the socket (graphql-ws: 4500), and the operation still gets its log line and metric sample
          finish(params, [maskError(error)]);
          throw error;
        }
      },
      onNext: (_ctx, _id, params, _args, result) => saw(params, result.errors),
      // a stream that failed: its operation completes next
      onError: (_ctx, _id, params, errors) => saw(params, errors),
      // also when the client completes it or the socket closes
      onComplete: (_ctx, _id, params) => finish(params),
    },
    wss,
    gateway.heartbeatMs,
  );

  return {
    async close() {
      await disposable.dispose();
    },
  };
}

const MUTATION_REFUSED = new GraphQLError('Mutations are not run over WebSocket: send them in a POST to /graphql', { extensions: { code: 'BAD_REQUEST' } });

/** No Origin (not a browser), the gateway's own origin, or one of the configured CORS origins. */
function allowedOrigin(req: IncomingMessage, corsOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
