/** node:http around the gateway: /graphql (and GraphiQL), /healthz, /readyz; graceful close. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from './gateway.js';

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(gateway: Gateway, port: number, host: string): Promise<RunningServer> {
  let closing = false;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' || !closing;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
      return;
    }
    void gateway.handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
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
