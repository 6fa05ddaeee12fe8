/** One upstream request through undici's dispatch (src/upstream/exchange.ts), against a local server. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CallSignal } from '../src/upstream/abortable.js';
import { exchange } from '../src/upstream/exchange.js';

let server: Server;
let pool: Pool;
afterEach(async () => {
  await pool.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string[]> {
  const seen: string[] = [];
  server = createServer((req, res) => (seen.push(req.url!), handle(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  return seen;
}

const get = (path: string, more: Partial<Parameters<typeof exchange>[2]> = {}) =>
  exchange(pool, path, { method: 'GET', path, headers: { accept: 'application/json' }, maxBodyBytes: 1_000, ...more });

describe('exchange', () => {
  it('a request still queued in the pool rejects at once when its signal aborts, and is never sent', async () => {
    let release = () => {};
    const seen = await serve((req, res) => {
      if (req.url === '/held') release = () => res.end('{}');
      else res.end('{}');
    });
    const held = get('/held');
    await expect.poll(() => seen).toEqual(['/held']);
    const signal = new CallSignal();
    const queued = get('/queued', { signal });
    const reason = new Error('deadline');
    signal.abort(reason);
    await expect(queued).rejects.toBe(reason);
    release();
    expect((await held).status).toBe(200);
    // the pool's one connection is free again: the next request goes through, the aborted one never went
    expect(Buffer.concat((await get('/after')).chunks).toString()).toBe('{}');
    expect(seen).toEqual(['/held', '/after']);
  });

  it('refuses an answer past its cap, and one announced past it before reading it', async () => {
    await serve((req, res) => {
      const body = '['.padEnd(2_000, ' ') + ']';
      if (req.url === '/announced') res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await expect(get('/counted')).rejects.toThrow('The upstream answer to /counted exceeded 1000 bytes');
    await expect(get('/announced', { bytes: {} })).rejects.toThrow('exceeded 1000 bytes');
  });

  it('reads a 2xx body as bytes, taking a larger buffer when one without a Content-Length outgrows the first; an error body as chunks', async () => {
    const body = 'x'.repeat(1_500_000);
    await serve((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      // written in pieces, so node:http sends it chunked, without a Content-Length
      for (let at = 0; at < body.length; at += 100_000) res.write(body.slice(at, at + 100_000));
      res.end();
    });
    const taken: number[] = [];
    const answer = await get('/page', { maxBodyBytes: 4_000_000, bytes: { buffers: { take: (size) => (taken.push(size), new Uint8Array(size)) } } });
    expect(answer.bytes!.length).toBe(body.length);
    expect(Buffer.from(answer.bytes!).toString() === body).toBe(true);
    expect(taken).toEqual([1024 * 1024, 2 * 1024 * 1024]);
    const missing = await get('/missing', { maxBodyBytes: 4_000_000, bytes: {} });
    expect([missing.status, missing.bytes, missing.size]).toEqual([404, null, body.length]);
  });
});
