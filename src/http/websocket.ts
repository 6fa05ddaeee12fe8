/**
 * graphql-ws over WebSocket on the HTTP server's port and path (/graphql), following yoga's
 * documented integration: each operation runs through the gateway's envelop (context with the
 * credential, query limits, masked errors); trusted documents are checked here, as yoga's
 * plugin for them only sees HTTP requests. Mutations are refused: a key write is sent as an HTTP
 * request, with its own record and log line (src/plugins/telemetry.ts), as it always was here.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError, getOperationAST } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Gateway } from '../gateway.js';
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

  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const query = gateway.trustedDocuments ? trustedDocument(gateway.trustedDocuments, params) : params.query;
        if (query instanceof GraphQLError) return [query];
        // Browsers cannot set headers on a WebSocket: the credential comes in connectionParams,
        // else the upgrade request's header, else the server's own, as over HTTP.
        const sent = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization ?? ctx.extra.request.headers.authorization;
        // what the context and plugins read of a request: its headers (a fetch Request per operation cost more)
        const authorization = typeof sent === 'string' ? sent : null;
        const request: HeaderSource = { headers: { get: (name) => (name.toLowerCase() === 'authorization' ? authorization : null) } };
        const enveloped = gateway.getEnveloped({ request, params });
        let document;
        try {
          document = enveloped.parse(query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        if (getOperationAST(document, params.operationName)?.operation === 'mutation') return [MUTATION_REFUSED];
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
        return args;
      },
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
