/**
 * `npx tsx bench/usage-receive.ts`: what receiving the pages of a usage scan costs the gateway's
 * main thread before any scan: 100 pages of ~5.5 MB over loopback, 4 at a time, each chunk copied
 * into a SharedArrayBuffer as src/upstream/exchange.ts does, through undici's `request` (what the
 * gateway used until round six), undici's `dispatch` (no body stream; what exchange.ts uses) and node:http. The sender is a child process;
 * the figure is this process's CPU time (user and system), per round of 100 pages.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createEmulator } from '../src/emulator/index.js';

const PAGES = 100;
const CONCURRENCY = 4;

if (process.argv[2] === '--sender') await sender();
else await main();

/** The child: one 10,000-entry page of the emulator's, sent again for every request, with its Content-Length. */
async function sender(): Promise<void> {
  const emulator = createEmulator({ logsPerUser: 10_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
  const url = await emulator.listen(0, '127.0.0.1');
  const res = await fetch(`${url}/yescale/logs?p=1&page_size=10000`, { headers: { authorization: `Bearer ${emulator.demoAccessKey}` } });
  const body = Buffer.from(await res.arrayBuffer());
  await emulator.close();
  const server = http.createServer((_, out) => {
    out.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    out.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port, size: body.length }));
  process.on('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--sender']);
  const { port, size } = await new Promise<{ port: number; size: number }>((resolve) => child.once('message', resolve as never));
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const buffers = Array.from({ length: CONCURRENCY }, () => new Uint8Array(new SharedArrayBuffer(Math.ceil(size * 1.25))));
  const into = (bytes: Uint8Array) => {
    let at = 0;
    return (chunk: Buffer) => {
      bytes.set(chunk, at);
      at += chunk.length;
    };
  };
  const ways: Record<string, (bytes: Uint8Array) => Promise<void>> = {
    'undici request': async (bytes) => {
      const res = await pool.request({ method: 'GET', path: '/' });
      await new Promise((resolve, reject) => res.body.on('data', into(bytes)).on('end', resolve).on('error', reject));
    },
    'undici dispatch': (bytes) =>
      new Promise((resolve, reject) => {
        const copy = into(bytes);
        pool.dispatch({ method: 'GET', path: '/' }, {
          onConnect: () => {},
          onHeaders: () => true,
          onData: (chunk) => (copy(chunk), true),
          onComplete: () => resolve(),
          onError: reject,
        });
      }),
    'node:http': (bytes) =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => res.on('data', into(bytes)).on('end', resolve).on('error', reject)).on('error', reject);
      }),
  };
  console.log(`${PAGES} pages of ${(size / 1024 / 1024).toFixed(1)} MB, ${CONCURRENCY} at a time, Node ${process.version}; CPU of this process per round`);
  for (let round = 0; round < 3; round++) {
    for (const [name, get] of Object.entries(ways)) {
      const before = process.cpuUsage();
      let next = 0;
      await Promise.all(buffers.map(async (bytes) => {
        while (next++ < PAGES) await get(bytes);
      }));
      const { user, system } = process.cpuUsage(before);
      console.log(`${name.padEnd(16)} ${((user + system) / 1000).toFixed(0).padStart(5)} ms (user ${(user / 1000).toFixed(0)}, system ${(system / 1000).toFixed(0)})`);
    }
  }
  await pool.close();
  agent.destroy();
  child.disconnect();
}
