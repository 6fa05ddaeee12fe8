/**
 * node:http server around the routes: request stats, fault injection, the /__emulator
 * control surface, and a close() that never leaves a hanging socket or timer behind.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { EmulatorClock } from './clock.js';
import type { Dataset } from './data.js';
import { otherVersion, parseFault, type Fault, type FaultInjector } from './faults.js';
import { answer, keyWrite, type Reply, type RouteOptions } from './routes.js';

export interface EmulatorStats {
  total: number;
  byPath: Record<string, number>;
  requests: Array<{ path: string; query: Record<string, string> }>;
  /** the most /yescale requests being answered at the same moment: proves the gateway's calls run concurrently */
  maxInFlight: number;
}

/** Only the most recent requests are listed, so a long benchmark cannot exhaust memory. */
const MAX_LISTED_REQUESTS = 10_000;

export class StatsRecorder {
  private s: EmulatorStats = { total: 0, byPath: {}, requests: [], maxInFlight: 0 };
  private inFlight = 0;

  /** Counts a request; `done` must be called when its answer is over. */
  record(path: string, query: Record<string, string>): () => void {
    this.inFlight++;
    this.s.maxInFlight = Math.max(this.s.maxInFlight, this.inFlight);
    let open = true;
    const done = () => {
      if (open) this.inFlight--;
      open = false;
    };
    this.s.total++;
    this.s.byPath[path] = (this.s.byPath[path] ?? 0) + 1;
    this.s.requests.push({ path, query });
    if (this.s.requests.length > MAX_LISTED_REQUESTS) this.s.requests.splice(0, this.s.requests.length - MAX_LISTED_REQUESTS);
    return done;
  }

  snapshot(): EmulatorStats {
    return {
      total: this.s.total,
      byPath: { ...this.s.byPath },
      requests: this.s.requests.map((r) => ({ path: r.path, query: { ...r.query } })),
      maxInFlight: this.s.maxInFlight,
    };
  }

  reset(): void {
    this.s = { total: 0, byPath: {}, requests: [], maxInFlight: this.inFlight };
  }
}

export interface ServerDeps {
  data: Dataset;
  faults: FaultInjector;
  stats: StatsRecorder;
  routes: RouteOptions;
  appendLogs(username: string, count: number, at?: number): void;
  /** brings the data up to the emulator clock; called before every answer */
  sync(): void;
  clock: EmulatorClock;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

export class EmulatorServer {
  readonly http: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: ServerDeps) {
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: JSON.stringify({ success: false, message: String(err) }), contentType: JSON_TYPE });
        else res.destroy();
      });
    });
    // longer than client idle timeouts (undici: 4 s) so the server is never the side that races a reuse
    this.http.keepAliveTimeout = 65_000;
    this.http.headersTimeout = 66_000;
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const addr = this.http.address();
        const p = typeof addr === 'object' && addr ? addr.port : port;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${p}`);
      });
    });
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy(); // hanging and dripping responses included
    this.sockets.clear();
    return new Promise((resolve) => {
      if (!this.http.listening) return resolve();
      this.http.close(() => resolve());
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) return this.control(req, res, url);
    // GET bodies are ignored but must be drained for keep-alive; only editquota's PUT carries one
    const body = req.method === 'PUT' ? await readBody(req) : (req.resume(), '');

    // a write is counted under "METHOD path" so a DELETE is never mistaken for a read of the same path
    const statsPath = keyWrite(url.pathname) ? `${req.method} ${url.pathname}` : url.pathname;
    if (url.pathname.startsWith('/yescale/')) res.once('close', this.deps.stats.record(statsPath, Object.fromEntries(url.searchParams)));
    const fault = url.pathname.startsWith('/yescale/') ? this.deps.faults.pick(url.pathname) : null;
    if (fault && (fault.latencyMs || fault.mode === 'latency')) await this.sleep(fault.latencyMs ?? 500);
    if (res.destroyed) return;

    this.deps.sync();
    const normal = () => answer(this.deps.data, this.deps.routes, req.method ?? 'GET', url, req.headers.authorization, body);
    switch (fault?.mode) {
      case undefined:
      case 'latency':
        return send(res, normal());
      case 'http500':
      case 'http502':
      case 'http503': {
        const status = Number(fault.mode.slice(4));
        const text = http.STATUS_CODES[status];
        return send(res, { status, contentType: HTML_TYPE, body: `<html><head><title>${status} ${text}</title></head><body><center><h1>${status} ${text}</h1></center><hr><center>nginx</center></body></html>` });
      }
      case 'http429':
        return send(res, { status: 429, contentType: '', body: '' }); // new-api: empty body, no Retry-After
      case 'reset':
        return resetSocket(req.socket);
      case 'hang':
        return; // never answer; close() destroys the socket
      case 'nonJson':
        return send(res, { status: 200, contentType: HTML_TYPE, body: '<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing the site.</body></html>' });
      case 'wrongShape':
        return send(res, { status: 200, contentType: JSON_TYPE, body: '{"success":true,"data":"oops"}' });
      case 'invalidToken':
        return send(res, { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ success: false, message: '无效的令牌 (access token invalid)' }) });
      case 'otherVersion': {
        const reply = normal();
        // errors (no data) pass unchanged: only a successful answer has records to alter
        return send(res, reply.status === 200 ? { ...reply, body: otherVersion(url.pathname, reply.body) } : reply);
      }
      case 'truncated':
        return sendTruncated(res, normal());
      case 'overstatedTotal':
        return send(res, overstateTotal(normal()));
      case 'slowDrip':
        return this.drip(res, normal(), fault.dripMs ?? 200);
    }
  }

  /** Normal JSON, a few bytes at a time. */
  private drip(res: http.ServerResponse, reply: Reply, dripMs: number): void {
    const buf = Buffer.from(reply.body);
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': buf.length });
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      const chunk = buf.subarray(at, (at += 8));
      if (at >= buf.length) res.end(chunk);
      else {
        res.write(chunk);
        this.later(next, dripMs);
      }
    };
    next();
  }

  private async control(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const body = await readBody(req);
    const ok = (data: unknown) => send(res, { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ success: true, message: '', data }) });
    const bad = (message: string, status = 400) => send(res, { status, contentType: JSON_TYPE, body: JSON.stringify({ success: false, message }) });
    const route = `${req.method} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /__emulator/stats':
          return send(res, { status: 200, contentType: JSON_TYPE, body: JSON.stringify(this.deps.stats.snapshot()) });
        case 'POST /__emulator/reset':
          this.deps.stats.reset();
          this.deps.faults.set(null);
          return ok(null);
        case 'POST /__emulator/fault': {
          const fault: Fault | null = parseFault(body.trim() === '' ? null : JSON.parse(body));
          this.deps.faults.set(fault);
          return ok(fault);
        }
        case 'POST /__emulator/logs': {
          const { username, count, at } = JSON.parse(body) as { username?: unknown; count?: unknown; at?: unknown };
          if (typeof username !== 'string' || !Number.isInteger(count) || (count as number) < 0) return bad('expected {"username": string, "count": integer >= 0}');
          if (at !== undefined && !Number.isInteger(at)) return bad('"at" must be unix seconds');
          this.deps.appendLogs(username, count as number, at as number | undefined);
          return ok({ username, total: this.deps.data.get(username).logs.count });
        }
        case 'GET /__emulator/clock':
          return ok({ now: this.deps.clock.now(), speed: this.deps.clock.speed });
        case 'POST /__emulator/advance': {
          // lets a client outside the process (a browser test, a person) skip ahead without waiting
          const { seconds } = JSON.parse(body) as { seconds?: unknown };
          if (!Number.isInteger(seconds) || (seconds as number) < 0) return bad('expected {"seconds": integer >= 0}');
          this.deps.clock.advance(seconds as number);
          this.deps.sync();
          return ok({ now: this.deps.clock.now() });
        }
        default:
          return bad('not found', 404);
      }
    } catch (err) {
      return bad(err instanceof Error ? err.message : String(err));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(resolve, ms));
  }

  /** setTimeout that close() can cancel. */
  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: http.OutgoingHttpHeaders = { 'content-length': Buffer.byteLength(reply.body) };
  if (reply.contentType) headers['content-type'] = reply.contentType;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/** Promise the whole body, then deliver half and cut the connection. */
function sendTruncated(res: http.ServerResponse, reply: Reply): void {
  const buf = Buffer.from(reply.body);
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': buf.length });
  res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.socket?.destroy());
}

/** A page that claims rows the later pages never deliver: the gateway must not truncate silently. */
function overstateTotal(reply: Reply): Reply {
  const body = JSON.parse(reply.body) as { data?: { total?: unknown } };
  if (typeof body.data?.total !== 'number') return reply;
  body.data.total += 100;
  return { ...reply, body: JSON.stringify(body) };
}

function resetSocket(socket: Socket): void {
  // RST rather than FIN where supported: looks like a dropped connection to the client
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

const MAX_CONTROL_BODY = 1 << 20;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONTROL_BODY) req.destroy(new Error('control body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
