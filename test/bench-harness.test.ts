/**
 * The benchmark harness (bench/harness.ts, `npm run bench`) still starts and completes a round:
 * emulator + our gateway, the four bench queries checked for correct answers, one tiny round each
 * (the fourth from 10 callers in turn, each answer checked to be the caller's own).
 * No timing assertions: only that it ran, answered, and counted upstream calls.
 * Uses wrk when installed, else the harness's built-in Node load loop; never installs anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../bench/harness.js';
import { markdownTable } from '../bench/report.js';

const hasWrk = spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
const outDir = mkdtempSync(path.join(tmpdir(), 'bench-harness-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('bench harness', () => {
  it('runs one short round against our gateway and reports req/s and upstream calls', async () => {
    const result = await runBench({
      servers: ['ours'],
      floor: false,
      rounds: 1,
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
      log: () => undefined,
    });

    expect(result.servers).toHaveLength(1);
    const ours = result.servers[0];
    expect(ours.failed).toBeUndefined();
    expect(ours.queries.map((q) => q.query)).toEqual(['me', 'logs50', 'dashboard', 'many']);
    for (const q of ours.queries) {
      expect(q.rounds).toHaveLength(1);
      expect(q.rps).toBeGreaterThan(0);
      expect(q.errors).toBe(0);
    }
    const me = ours.queries[0];
    expect(me.callsPerRequest).toBe(1);
    // the dashboard from 10 callers in turn: every answer was the asking caller's own
    const many = ours.queries[3];
    expect(many.callsPerRequest).toBeGreaterThan(1);
    expect(many.wrongCaller).toBe(0);
    expect(markdownTable(result)).toContain('(1) me + balance');
    expect(markdownTable(result)).toContain('(4) dashboard, 10 callers');
  }, 90_000);
});
