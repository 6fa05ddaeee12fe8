/**
 * The benchmark harness (bench/harness.ts, `npm run bench`) still starts and completes a round:
 * emulator + our gateway + the Node floor (no GraphQL), the four bench queries checked for correct
 * answers, one tiny round each (the fourth from 10 callers in turn, each answer checked to be the caller's own).
 * No timing assertions: only that it ran, answered, and counted upstream calls.
 * Uses wrk when installed, else the harness's built-in Node load loop; never installs anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../bench/harness.js';
import { percentile } from '../bench/numbers.js';
import { manyCallersLines, markdownTable } from '../bench/report.js';

const hasWrk = spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
const outDir = mkdtempSync(path.join(tmpdir(), 'bench-harness-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** a tiny run: one-second rounds, four connections, ten callers of (4), nothing installed or pinned */
const TINY = {
  floor: false,
  durationS: 1,
  warmupS: 0,
  connections: 4,
  callers: 10,
  load: hasWrk ? 'wrk' : 'node',
  ours: 'tsx',
  install: false,
  pin: false,
  quietS: 0,
  outDir,
} as const;

describe('bench harness', () => {
  it('runs one short round against our gateway and the Node floor and reports req/s and upstream calls', async () => {
    const result = await runBench({
      // node-floor first: the table still shows it under ours
      ...TINY,
      servers: ['node-floor', 'ours'],
      rounds: 1,
      log: () => undefined,
    });

    expect(result.servers.map((s) => s.name)).toEqual(['node-floor', 'ours']);
    for (const server of result.servers) {
      expect(server.failed).toBeUndefined();
      expect(server.queries.map((q) => q.query)).toEqual(['me', 'logs50', 'dashboard', 'many']);
      for (const q of server.queries) {
        expect(q.rounds).toHaveLength(1);
        expect(q.rps).toBeGreaterThan(0);
        expect(q.errors).toBe(0);
      }
      const [me, logs50, dashboard, many] = server.queries;
      expect(me.callsPerRequest).toBe(1);
      // (2): the page and one key list; (3): user, keys, logs, tasks
      expect(logs50.callsPerRequest).toBe(2);
      expect(dashboard.callsPerRequest).toBe(4);
      // the dashboard from 10 callers in turn: every answer was the asking caller's own
      expect(many.callsPerRequest).toBe(4);
      expect(many.wrongCaller).toBe(0);
    }
    const table = markdownTable(result);
    expect(table).toContain('(1) me + balance');
    expect(table).toContain('(4) dashboard, 10 callers');
    const rows = table.split('\n').filter((l) => l.startsWith('| (4)'));
    expect(rows[0]).toContain('yescale-graphql');
    expect(rows[1]).toContain('floor: node:http + undici');
    expect(manyCallersLines(result).join('\n')).toMatch(/ours did \*\*[\d.]+×\*\* the req\/s of the Node floor .* [\d.]+ ms of server CPU per request against the floor's [\d.]+ ms/);
  }, 180_000); // two servers on a shared machine

  it('--interleave takes each query\'s rounds in turn, server after server, with both servers running', async () => {
    const lines: string[] = [];
    const result = await runBench({
      ...TINY,
      servers: ['node-floor', 'ours'],
      queries: ['me', 'many'],
      rounds: 2,
      interleave: true,
      log: (line) => lines.push(line),
    });
    for (const server of result.servers) {
      expect(server.failed).toBeUndefined();
      expect(server.queries.map((q) => [q.query, q.rounds.length, q.errors])).toEqual([['me', 2, 0], ['many', 2, 0]]);
      expect(server.queries[1].wrongCaller).toBe(0);
    }
    const order = lines.map((l) => /^\s+(\S+)\s+(\S+)\s+round (\d)/.exec(l)).filter((m) => m !== null).map((m) => m.slice(1).join(' '));
    expect(order).toEqual([
      'node-floor me 1', 'ours me 1', 'node-floor me 2', 'ours me 2',
      'node-floor many 1', 'ours many 1', 'node-floor many 2', 'ours many 2',
    ]);
  }, 180_000);
});

describe('bench numbers', () => {
  it('percentile is the nearest rank: the smallest value with at least p% of the values at or below it', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([0, 10, 50, 51, 90, 99, 100].map((p) => percentile(ten, p))).toEqual([1, 1, 5, 6, 9, 10, 10]);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 99)).toBe(0);
  });
});
