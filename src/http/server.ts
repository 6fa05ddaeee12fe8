/** node:http around the gateway: /graphql (and GraphiQL, and graphql-ws), /export/*.csv, /dashboard, /healthz, /readyz, /metrics; graceful close. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway.js';
import { handleExport, isExportPath } from './export.js';
import { answerFast } from './fast-path.js';
import { attachWebSocket } from './websocket.js';
import { createDashboard } from './dashboard.js';

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(gateway: Gateway, port: number, host: string): Promise<RunningServer> {
  let closing = false;
  const dashboard = gateway.dashboard && createDashboard(gateway.dashboard);
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (dashboard && path && (path === '/dashboard' || path.startsWith('/dashboard/'))) return dashboard(req.method, path, res);
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' || !closing;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
      return;
    }
    if (path === '/metrics' && gateway.metrics && req.method === 'GET') {
      const metrics = gateway.metrics;
      void metrics.render().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
      return;
    }
    if (isExportPath(path)) {
      void handleExport(gateway, req, res, path);
      return;
    }
    void readCapped(req, gateway.limits.maxRequestBytes).then((body) => {
      if (body === 'too large') return tooLarge(res, gateway.limits.maxRequestBytes);
      if (body === 'unreadable') return unreadable(res);
      if (answerFast(gateway, req, res, body)) return;
      // whatwg-node takes an already-read body from `req.body` instead of the consumed stream.
      if (body?.length) Object.assign(req, { body });
      return gateway.handle(req, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  const websocket = attachWebSocket(server, gateway);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    async close() {
      closing = true;
      // Every subscription completes first (SSE sends `complete`, graphql-ws a Complete message),
      // then the sockets close: a client sees a finished stream, not a broken connection.
      await gateway.live.close();
      await websocket.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests in flight get a moment to finish, then their sockets go too.
      const timer = setTimeout(() => server.closeAllConnections(), 5_000).unref();
      await closed;
      clearTimeout(timer);
      await gateway.dispose();
    },
  };
}

/**
 * The request body, refused (without reading on) past `max` bytes: by Content-Length up front,
 * else by counting what arrives. GET and HEAD have none. A stream that fails (the client went
 * away or sent a broken body) is 'unreadable', not too large.
 */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null | 'too large' | 'unreadable'> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve(null);
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve('too large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        resolve('too large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', () => resolve('unreadable'));
  });
}

function tooLarge(res: ServerResponse, max: number): void {
  const body = JSON.stringify({
    errors: [{ message: `The request body exceeds ${max} bytes`, extensions: { code: 'REQUEST_TOO_LARGE' } }],
  });
  // The rest of the body is not read: close the connection rather than drain it.
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(body);
}

function unreadable(res: ServerResponse): void {
  const body = JSON.stringify({
    errors: [{ message: 'The request body could not be read: the stream failed before its end', extensions: { code: 'BAD_REQUEST' } }],
  });
  // Whatever is left of the body is broken: close the connection rather than reuse it.
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(body);
}
