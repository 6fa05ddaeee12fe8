/**
 * The CSV exports (src/http/export.ts) over loopback: the real gateway and emulator, and for the
 * wire's edge cases (quotes, commas, line breaks in `content`) a stub upstream serving
 * new-api-shaped pages. The million-row walk runs the gateway in a process of its own and reads
 * its peak RSS from /proc: a memory bound, not a timing.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLInputObjectType } from 'graphql';
import { createEmulator } from '../src/emulator/index.js';
import { createGateway } from '../src/gateway.js';
import { logParams, usageParams } from '../src/http/export-params.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { schema } from '../src/schema/index.js';
import { startHarness, total, type Harness } from './helpers.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** the response ended normally (false: the connection was cut before the end) */
  complete: boolean;
}

/** GET over node:http, so a cut connection still yields what arrived before it. */
function get(url: string, headers: Record<string, string> = {}, onFirstChunk?: (res: http.IncomingMessage) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      let first = true;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (first) onFirstChunk?.(res);
        first = false;
      });
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), complete: res.complete });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
  });
}

/** RFC 4180: records of fields; quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field), records.push(record), (record = []), (field = ''), i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) record.push(field), records.push(record);
  return records;
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('export parameters', () => {
  it('take an empty value for every field of the GraphQL filter they stand for (an omitted field)', () => {
    for (const [typeName, read] of [['LogFilter', logParams], ['UsageFilter', usageParams]] as const) {
      const fields = Object.keys((schema.getType(typeName) as GraphQLInputObjectType).getFields());
      expect(fields).toContain('modelName');
      // an empty value is an omitted field (a null type): accepted for every field, refused for none
      for (const field of fields) expect(() => read(new URLSearchParams({ [field]: '' })), `${typeName}.${field}`).not.toThrow();
    }
  });
});

describe('GET /export/logs.csv and /export/usage.csv', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { logsPerUser: 3_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
  });
  afterAll(() => h.close());

  it('streams the filtered history with the columns, ISO times and ids GraphQL gives', async () => {
    h.reset();
    const res = await get(`${h.server.url}/export/logs.csv?type=CONSUME&from=2025-11-01T00:00:00Z`, auth(h.emulator.demoAccessKey));
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="yescale-logs-\d{8}T\d{6}Z\.csv"$/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual(['id', 'createdAt', 'type', 'content', 'username', 'tokenName', 'modelName', 'quota', 'quotaUsd', 'promptTokens', 'completionTokens', 'useTime', 'isStream']);
    const gql = await h.gql(`{ logs(filter: { type: CONSUME, from: "2025-11-01T00:00:00Z" }, first: 3) { totalCount edges { node { id createdAt content quota quotaUsd isStream } } } }`);
    expect(rows.length).toBe(gql.data.logs.totalCount);
    expect(rows.length).toBeGreaterThan(10);
    for (const [i, { node }] of gql.data.logs.edges.entries()) {
      expect(rows[i][0]).toBe(node.id);
      expect(rows[i][1]).toBe(node.createdAt);
      expect(rows[i][3]).toBe(node.content);
      expect(Number(rows[i][7])).toBe(node.quota);
      expect(Number(rows[i][8])).toBe(node.quotaUsd);
      expect(rows[i][12]).toBe(String(node.isStream));
    }
    for (const row of rows) {
      expect(row).toHaveLength(13);
      expect(row[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(row[1] >= '2025-11-01T00:00:00.000Z').toBe(true);
      expect(row[2]).toBe('CONSUME');
    }
  });

  it('exports the usage report as rows: the keys grouped by, then the figures', async () => {
    const url = `${h.server.url}/export/usage.csv?groupBy=DAY,MODEL&from=2025-11-10T00:00:00Z&to=2025-11-15T00:00:00Z&timeZone=Asia/Ho_Chi_Minh`;
    const res = await get(url, auth(h.emulator.demoAccessKey));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/filename="yescale-usage-/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header.slice(0, 3)).toEqual(['day', 'model', 'requests']);
    expect(header).toContain('quotaUsd');
    expect(header).toContain('netQuota');
    const gql = await h.gql(`{ usage(filter: { from: "2025-11-10T00:00:00Z", to: "2025-11-15T00:00:00Z" }, groupBy: [DAY, MODEL], timeZone: "Asia/Ho_Chi_Minh") {
      groups { day model requests quota quotaUsd } } }`);
    const groups = gql.data.usage.groups;
    expect(rows.length).toBe(groups.length);
    expect(rows.length).toBeGreaterThan(0);
    const col = (name: string) => header.indexOf(name);
    for (const [i, group] of groups.entries()) {
      expect([rows[i][col('day')], rows[i][col('model')]]).toEqual([group.day, group.model]);
      expect(Number(rows[i][col('requests')])).toBe(group.requests);
      expect(Number(rows[i][col('quota')])).toBe(group.quota);
      expect(Number(rows[i][col('quotaUsd')])).toBe(group.quotaUsd);
    }
    // no groupBy: one record of totals
    const totals = parseCsv((await get(`${h.server.url}/export/usage.csv?type=`, auth(h.emulator.demoAccessKey))).body);
    const all = await h.gql('{ usage(filter: { type: null }, groupBy: []) { totals { requests quota } } }');
    expect(totals).toHaveLength(2);
    expect(totals[0].slice(0, 1)).toEqual(['requests']);
    expect(Number(totals[1][0])).toBe(all.data.usage.totals.requests);
    expect(Number(totals[1][totals[0].indexOf('quota')])).toBe(all.data.usage.totals.quota);
  });

  it('refuses bad parameters with a coded 400 before any upstream call', async () => {
    const cases: [string, string][] = [
      ['/export/logs.csv?from=2025-11-02T00:00:00Z&to=2025-11-01T00:00:00Z', 'filter.from'],
      ['/export/logs.csv?type=SPEND', 'type'],
      ['/export/logs.csv?type=UNKNOWN', 'filter.type'],
      ['/export/logs.csv?from=yesterday', 'from'],
      ['/export/logs.csv?modelName=gpt%25', 'filter.modelName'],
      ['/export/logs.csv?tokenName=' + 'x'.repeat(300), 'filter.tokenName'],
      ['/export/logs.csv?modelname=gpt-4o', 'modelname'],
      ['/export/logs.csv?type=CONSUME&type=ERROR', 'type'],
      ['/export/usage.csv?groupBy=WEEK', 'groupBy'],
      ['/export/usage.csv?timeZone=Mars/Olympus', 'timeZone'],
      ['/export/usage.csv?username=demo', 'username'],
    ];
    h.reset();
    for (const [path, argument] of cases) {
      const res = await get(h.server.url + path, auth(h.emulator.demoAccessKey));
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.body);
      expect(body.errors[0].extensions, path).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(body.errors[0].message).toContain(argument);
    }
    expect(total(h.calls())).toBe(0);
  });

  it('answers 401 without a credential and 405 to other methods, before any upstream call', async () => {
    h.reset();
    const none = await get(`${h.server.url}/export/logs.csv`);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const post = await fetch(`${h.server.url}/export/usage.csv`, { method: 'POST', headers: auth(h.emulator.demoAccessKey) });
    expect(post.status).toBe(405);
    expect((await post.json()).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    expect(total(h.calls())).toBe(0);
  });

  it("on the server's own key, needs a header a cross-site link cannot send (as /graphql's CSRF check)", async () => {
    const gateway = await separateGateway(h.upstreamUrl, { accessKey: h.emulator.demoAccessKey });
    try {
      h.reset();
      const bare = await get(`${gateway.url}/export/usage.csv`);
      expect(bare.status).toBe(403);
      expect(JSON.parse(bare.body).errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
      expect(total(h.calls())).toBe(0);
      const withHeader = await get(`${gateway.url}/export/usage.csv`, { 'x-graphql-yoga-csrf': '1' });
      expect(withHeader.status).toBe(200);
      // a caller's own key is not the server's: no header needed
      expect((await get(`${gateway.url}/export/usage.csv`, auth(h.emulator.users[1].accessKey))).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('gives each caller only its own rows, even when both export at once', async () => {
    const [a, b] = h.emulator.users;
    const [resA, resB] = await Promise.all([a, b].map((user) => get(`${h.server.url}/export/logs.csv`, auth(user.accessKey))));
    const rowsA = parseCsv(resA.body).slice(1);
    const rowsB = parseCsv(resB.body).slice(1);
    expect(rowsA.length).toBeGreaterThan(0);
    expect(rowsB.length).toBeGreaterThan(0);
    expect(new Set(rowsA.map((row) => row[4]))).toEqual(new Set([a.username]));
    expect(new Set(rowsB.map((row) => row[4]))).toEqual(new Set([b.username]));
    const idsA = new Set(rowsA.map((row) => row[0]));
    expect(rowsB.some((row) => idsA.has(row[0]))).toBe(false);
  });

  it('ends a stream cut by an upstream fault with a marker line and no normal end', async () => {
    const emulator = createEmulator({ logsPerUser: 50_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
    try {
      const upstream = await emulator.listen(0, '127.0.0.1');
      const gateway = await separateGateway(upstream, { logPageConcurrency: 1 });
      // The client reads the first chunk, stops reading (the gateway's writes wait for 'drain', so
      // the walk waits too), the upstream starts failing, and the client reads on.
      const res = await get(`${gateway.url}/export/logs.csv`, auth(emulator.demoAccessKey), (stream) => {
        stream.pause();
        emulator.setFault({ mode: 'http500', path: '/yescale/logs' });
        setTimeout(() => stream.resume(), 200);
      });
      await gateway.close();
      expect(res.status).toBe(200);
      expect(res.complete).toBe(false);
      const lines = res.body.split('\r\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(2_000);
      expect(lines.length).toBeLessThan(50_000);
      expect(lines.at(-1)).toMatch(/^# ERROR UPSTREAM_UNAVAILABLE: The upstream failed on \/yescale\/logs \(HTTP 500\)$/);
      expect(lines.slice(0, -1).every((line) => !line.startsWith('#'))).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it('stops the walk when the client disconnects, and counts the export as CLIENT_CLOSED', async () => {
    const emulator = createEmulator({ logsPerUser: 50_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
    try {
      const upstream = await emulator.listen(0, '127.0.0.1');
      const gateway = await separateGateway(upstream, { logPageConcurrency: 1 });
      await new Promise<void>((resolve) => {
        http.get(`${gateway.url}/export/logs.csv`, { headers: auth(emulator.demoAccessKey) }, (res) => {
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        });
      });
      let metrics = '';
      for (let i = 0; i < 100 && !metrics.includes('outcome="CLIENT_CLOSED"'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      }
      await gateway.close();
      expect(metrics).toContain('csv_exports_total{endpoint="/export/logs.csv",outcome="CLIENT_CLOSED"} 1');
      // 50,000 entries are 25 export pages of 2,000 (src/http/export.ts): the walk stopped early
      expect(emulator.stats().byPath['/yescale/logs']).toBeLessThanOrEqual(3);
    } finally {
      await emulator.close();
    }
  });
});

async function separateGateway(upstream: string, options: Partial<Parameters<typeof createGateway>[0]>): Promise<RunningServer> {
  return startServer(createGateway({ upstream, ...options }), 0, '127.0.0.1');
}

describe('CSV quoting (stub upstream with new-api-shaped pages)', () => {
  const tricky = [
    { content: 'He said "hi", then left', token_name: 'a,b', model_name: 'm"x' },
    { content: 'line one\nline two\r\nline three', token_name: 'plain', model_name: 'gpt-4o' },
    { content: '模型倍率 1.00，补全倍率 "2"', token_name: 'ключ', model_name: '"' },
    { content: ',', token_name: '', model_name: '' },
  ];
  let stub: http.Server;
  let gateway: RunningServer;
  beforeAll(async () => {
    stub = http.createServer((req, res) => {
      const items = tricky.map((t, i) => ({
        id: i + 1, created_at: 1_763_000_000 - i, type: 2, username: 'stub', quota: 1000 * (i + 1), prompt_tokens: 1, completion_tokens: 2,
        use_time: 3, is_stream: i % 2 === 0, channel: 1, token_id: 0, other: '', ...t,
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, message: '', data: { items, total: items.length, page: 1, page_size: 10_000 } }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    gateway = await separateGateway(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`, {});
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => stub.close(resolve));
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and keeps every character', async () => {
    const res = await get(`${gateway.url}/export/logs.csv`, auth('stub-key'));
    expect(res.status).toBe(200);
    expect(res.body).toContain('"He said ""hi"", then left"');
    expect(res.body).toContain('"line one\nline two\r\nline three"');
    expect(res.body.endsWith('\r\n')).toBe(true);
    const [, ...rows] = parseCsv(res.body);
    expect(rows).toHaveLength(tricky.length);
    for (const [i, t] of tricky.entries()) {
      expect([rows[i][3], rows[i][5], rows[i][6]]).toEqual([t.content, t.token_name, t.model_name]);
      expect(rows[i][1]).toBe(new Date((1_763_000_000 - i) * 1000).toISOString());
      expect(rows[i][8]).toBe(String((1000 * (i + 1)) / 500_000));
    }
  });
});

/** Peak resident memory (VmHWM) of a process, in MB. */
const peakRssMb = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * The gateway's heap is capped: V8 lets an uncapped heap grow well past what is live before it
 * collects (about 300 MB of RSS here, docs/benchmarks.md), which says little. Under the cap a walk
 * that kept what it wrote (the CSV of a million rows is ~250 MB) would run out of heap and fail.
 */
const HEAP_MB = Number(process.env.EXPORT_HEAP_MB ?? 128);

describe('a million rows', () => {
  it(`streams them with the gateway process under 250 MB of RSS and a ${HEAP_MB} MB heap`, { timeout: 600_000 }, async () => {
    const emulator = createEmulator({ logsPerUser: 1_000_000, now: Date.UTC(2025, 10, 20, 12) / 1000, speed: 0 });
    const upstream = await emulator.listen(0, '127.0.0.1');
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'src/main.ts', 'serve', '--upstream', upstream, '--port', '0', '--no-cache', '--request-timeout', '600000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 120_000);
        child.stdout!.on('data', (chunk) => {
          out += chunk;
          const match = /yescale-graphql on (http:\/\/\S+?)\/graphql/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      let lines = 0;
      let last = '';
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 500);
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        http.get(`${url}/export/logs.csv`, { headers: auth(emulator.demoAccessKey) }, (res) => {
          res.on('data', (chunk: Buffer) => {
            for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
            last = chunk.subarray(Math.max(0, chunk.length - 200)).toString('latin1');
          });
          res.on('end', () => resolve(res.statusCode!));
          res.on('error', reject);
        });
      });
      clearInterval(sampler);
      peak = Math.max(peak, peakRssMb(child.pid!));
      const seconds = (performance.now() - started) / 1000;
      console.log(`csv export: 1,000,000 rows in ${seconds.toFixed(1)} s, gateway peak RSS ${peak.toFixed(0)} MB`);
      expect(status).toBe(200);
      // the emulator's contents hold no line breaks: one line per entry plus the header
      expect(lines).toBe(1_000_001);
      expect(last).not.toContain('# ERROR');
      expect(peak).toBeLessThan(250);
    } finally {
      child.kill();
      await emulator.close();
    }
  });
});
