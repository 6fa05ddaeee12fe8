/**
 * GraphiQL in a real browser: Debian's Chromium (installed by .ci/run) driven by playwright-core
 * opens the demo's GraphiQL offline, runs the default operation and shows the account; the
 * screenshot is kept in test-results/graphiql.png. A missing Chromium skips the test with a line
 * saying how to install it, and fails the run under CI (test/programs.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator } from '../src/emulator/index.js';
import { requireProgram } from './programs.js';

// Debian's path: playwright-core's own browser download needs network access, which the tests avoid.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = requireProgram(CHROMIUM, 'apt-get install chromium');
// No internet here: nothing in the background may try to reach it.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOT = 'test-results/graphiql.png';

async function startDemo(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'demo', '--port', '0', '--logs', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GraphiQL line in: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /GraphiQL: (http:\/\/[\d.:]+\/graphql)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { url, child };
}

describe.skipIf(!hasChromium)('GraphiQL in Chromium', () => {
  let demo: { url: string; child: ChildProcess };
  let profile: string;
  let browser: BrowserContext;
  beforeAll(async () => {
    demo = await startDemo();
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    // A persistent context is how playwright takes a fresh --user-data-dir of our own.
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('runs the default operation and shows the account in the result pane', async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(demo.url);
    await expect(page.title()).resolves.toBe('YEScale GraphQL');
    // The first tab is schema/operations/account-overview.graphql.
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    expect(await page.locator('.graphiql-tab-active').textContent()).toContain('AccountOverview');
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('"username"'), null, { timeout: 30_000 });

    // CodeMirror renders spaces as no-break spaces; \s covers both.
    const shown = (await page.locator('.graphiql-response').textContent())!.replace(/\s+/g, ' ');
    // The expected account, computed independently from the emulator's data (same default seed).
    const emulator = createEmulator({ speed: 0, logsPerUser: 500 });
    expect(shown).toContain(`"username": "demo"`);
    expect(shown).toContain(`"displayName": "${emulator.user('demo').display_name}"`);
    expect(shown).toContain(`"role": "USER"`);
    expect(shown).toContain(`"apiKeys": [ { "name": "${emulator.apiKeys('demo')[0]!.name}"`);
    expect(shown).not.toContain('"errors"');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
