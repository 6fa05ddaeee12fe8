/**
 * /dashboard in a real browser: Debian's Chromium driven by playwright-core against a real gateway
 * and emulator set up as `demo` sets them up. The page loads from this origin only, its chart's
 * totals are the `usage` query's, a quota set through its confirmation dialog reaches the emulator,
 * and without a server key it asks for one and keeps it in sessionStorage. Screenshots go to
 * test-results/. A missing Chromium skips the suite with one line (fails it under CI).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../src/emulator/index.js';
import { createGateway } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { requireProgram } from './programs.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = requireProgram(CHROMIUM, 'apt-get install chromium');
// No internet here: nothing in the background may try to reach it.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOT = 'test-results/dashboard.png';
const NARROW_SCREENSHOT = 'test-results/dashboard-narrow.png';

interface Demo {
  emulator: Emulator;
  server: RunningServer;
  close(): Promise<void>;
}

/** The emulator and a gateway with the dashboard, as `demo` starts them; `serverKey` false: a `serve` without a key of its own. */
async function startDemo(serverKey: boolean): Promise<Demo> {
  // A frozen clock (speed 0): the page and the test's own query see the same logs; advance() moves tasks.
  const emulator = createEmulator({ logsPerUser: 3_000, speed: 0 });
  const upstream = await emulator.listen(0, '127.0.0.1');
  // Short poll intervals: a task's change reaches the page within a second of the clock's advance.
  const gateway = createGateway({ upstream, accessKey: serverKey ? emulator.demoAccessKey : undefined, cache: {}, dashboard: true, live: { minMs: 100, maxMs: 300 } });
  const server = await startServer(gateway, 0, '127.0.0.1');
  return { emulator, server, close: async () => (await server.close(), await emulator.close()) };
}

async function gql(demo: Demo, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${demo.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.emulator.demoAccessKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Every request the page makes, and every console error (a CSP refusal is one). */
function watch(page: Page) {
  const seen = { urls: [] as string[], problems: [] as string[], authorizations: [] as { url: string; value: string }[] };
  page.on('request', (request) => {
    seen.urls.push(request.url());
    const value = request.headers().authorization;
    if (value) seen.authorizations.push({ url: request.url(), value });
  });
  page.on('console', (message) => message.type() === 'error' && seen.problems.push(message.text()));
  page.on('pageerror', (error) => seen.problems.push(error.message));
  return seen;
}

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  let demo: Demo;
  let profile: string;
  let browser: BrowserContext;
  beforeAll(async () => {
    demo = await startDemo(true);
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1600 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('loads from its own origin under a strict CSP, draws the chart, and shows the usage query totals', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    const response = await page.goto(`${demo.server.url}/dashboard`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

    // The server has its own key: the page does not ask for one.
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    // uPlot drew on a canvas with a series per model.
    expect(await page.locator('#chart-plot canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-plot .u-legend .u-series').count()).toBeGreaterThan(1);

    // The same window asked of the gateway directly.
    const chart = page.locator('#chart');
    const [from, to, timeZone] = await Promise.all(['data-from', 'data-to', 'data-time-zone'].map((name) => chart.getAttribute(name)));
    const { usage, me } = await gql(demo, 'query($from: DateTime, $to: DateTime, $timeZone: String) { me { quotaUsd } usage(filter: { from: $from, to: $to }, groupBy: [], timeZone: $timeZone) { totals { requests quotaUsd totalTokens } } }', { from, to, timeZone });
    expect(usage.totals.requests).toBeGreaterThan(0);
    expect(Number(await page.locator('#spend [data-value]').getAttribute('data-value'))).toBe(usage.totals.quotaUsd);
    expect(Number(await page.locator('#requests [data-value]').getAttribute('data-value'))).toBe(usage.totals.requests);
    expect(Number(await page.locator('#tokens [data-value]').getAttribute('data-value'))).toBe(usage.totals.totalTokens);
    expect(Number(await page.locator('#balance [data-value]').getAttribute('data-value'))).toBe(me.quotaUsd);
    // What the chart was given adds up to the same spend (float sums in another order).
    expect(Number(await chart.getAttribute('data-total-usd'))).toBeCloseTo(usage.totals.quotaUsd, 6);

    // The tables are filled: keys and models.
    expect(await page.locator('#models-body tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#keys-body tr[data-key-id]').count()).toBe(demo.emulator.apiKeys('demo').length);

    // Everything came from the gateway's own origin, and nothing was refused or thrown.
    expect(seen.urls.filter((url) => !url.startsWith(`${demo.server.url}/`))).toEqual([]);
    expect(seen.urls).toContain(`${demo.server.url}/dashboard/uplot.js`);
    expect(seen.authorizations).toEqual([]);
    expect(seen.problems).toEqual([]);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.close();
  }, 60_000);

  it('changes a key quota only once confirmed, with the keyboard, and shows the new value', async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.server.url}/dashboard`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    const wire = demo.emulator.apiKeys('demo').find((key) => !key.unlimited_quota)!;
    const { apiKeys } = await gql(demo, '{ apiKeys { id name } }');
    const id = apiKeys.find((key: { name: string }) => key.name === wire.name).id as string;
    const button = page.locator(`button[data-action="quota"][data-key-id="${id}"]`);
    demo.emulator.resetStats();

    // Escape closes the dialog and nothing is written.
    await button.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#key-dialog').isVisible()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await expect(page.locator('#key-dialog').isVisible()).resolves.toBe(false);

    // Enter in the amount field confirms.
    await button.focus();
    await page.keyboard.press('Enter');
    await page.locator('#quota-usd').fill('12.5');
    await page.keyboard.press('Enter');
    const cell = page.locator(`#keys-body tr[data-key-id="${id}"] span[data-value="12.5"]`);
    await cell.waitFor({ timeout: 30_000 });
    expect(await cell.textContent()).toBe('$12.50');
    expect(demo.emulator.apiKeys('demo').find((key) => key.id === wire.id)!.remain_quota).toBe(12.5 * 500_000);
    // One write, sent once.
    const writes = Object.entries(demo.emulator.stats().byPath).filter(([path]) => path.includes('editquota'));
    expect(writes.map(([, n]) => n)).toEqual([1]);
    // Focus stays on the key's button for the next keystroke.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.action)).toBe('quota');
    await page.close();
  }, 60_000);

  it('downloads the usage CSV of the range shown, and its spend adds up to the page total', async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.server.url}/dashboard`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    // Before the clock moves (next test): the page's figures may come from the response cache, the export never does.
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#csv-usage')]);
    expect(file.suggestedFilename()).toMatch(/^usage-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
    const [header, ...rows] = readFileSync((await file.path())!, 'utf8').trim().split('\r\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 3)).toEqual(['day', 'model', 'tokenName']);
    // Model and key names of the emulator hold no comma or quote: a plain split reads the rows.
    const spend = rows.reduce((sum, row) => sum + Number(row.split(',')[columns.indexOf('quotaUsd')]), 0);
    expect(spend).toBeCloseTo(Number(await page.locator('#spend [data-value]').getAttribute('data-value')), 6);
    await page.close();
  }, 60_000);

  it("moves a task's progress live (taskUpdated over SSE) when the emulator's clock moves", async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.server.url}/dashboard`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    // The page follows the newest unfinished tasks; the clock is frozen, so nothing moves yet.
    await page.locator('#tasks-body tr[data-live="true"]').first().waitFor({ timeout: 30_000 });
    const followed = () =>
      page.evaluate(() => [...document.querySelectorAll('#tasks-body tr[data-task-id]')].map((row) => `${row.getAttribute('data-task-id')} ${row.children[3]!.textContent} ${(row.querySelector('progress') as HTMLProgressElement).value}`));
    const before = await followed();
    // Ten emulated minutes: the demo's quick task finishes within one.
    demo.emulator.advance(600);
    await page.waitForFunction((shown) => [...document.querySelectorAll('#tasks-body tr[data-task-id]')].some((row, i) => `${row.getAttribute('data-task-id')} ${row.children[3]!.textContent} ${(row.querySelector('progress') as HTMLProgressElement).value}` !== shown[i]), before, { timeout: 30_000 });
    const after = await followed();
    const moved = after.filter((line, i) => line !== before[i]);
    expect(moved.length).toBeGreaterThan(0);
    // What the page shows is what the gateway says now.
    for (const line of moved) {
      const [id, status, progress] = line.split(' ');
      const { node } = await gql(demo, 'query($id: ID!) { node(id: $id) { ... on Task { status progress } } }', { id });
      expect([status, Number(progress)]).toEqual([node.status, node.progress ?? 0]);
    }
    await page.close();
  }, 60_000);

  it('fits a narrow screen', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${demo.server.url}/dashboard`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    // Wide tables scroll inside their box; the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: NARROW_SCREENSHOT, fullPage: true });
    await page.close();
  }, 60_000);
});

describe.skipIf(!hasChromium)('the dashboard of a gateway without an access key of its own', () => {
  let demo: Demo;
  let profile: string;
  let browser: BrowserContext;
  beforeAll(async () => {
    demo = await startDemo(false);
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('asks for the key, keeps it in sessionStorage only, and sends it only to its own origin', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(`${demo.server.url}/dashboard`);
    await page.locator('#access-key').waitFor({ state: 'visible', timeout: 30_000 });
    // Nothing was asked of /graphql before there was a key.
    expect(seen.urls.filter((url) => url.endsWith('/graphql'))).toEqual([]);

    await page.locator('#access-key').fill(demo.emulator.demoAccessKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('yescale-access-key'))).toBe(demo.emulator.demoAccessKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(seen.authorizations.length).toBeGreaterThan(0);
    for (const { url, value } of seen.authorizations) {
      expect(url.startsWith(`${demo.server.url}/`)).toBe(true);
      expect(value).toBe(`Bearer ${demo.emulator.demoAccessKey}`);
    }
    expect(seen.problems).toEqual([]);
    // A link cannot carry the key: the export is fetched with it, and still saved as a file.
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#csv-logs')]);
    expect(readFileSync((await file.path())!, 'utf8').split('\r\n')[0]).toMatch(/^id,createdAt,/);
    expect(seen.authorizations.at(-1)?.url).toMatch(new RegExp(`^${demo.server.url}/export/logs\\.csv\\?`));

    // A wrong key is refused and asked for again, not kept.
    await page.evaluate(() => sessionStorage.setItem('yescale-access-key', 'wrong'));
    await page.reload();
    await page.locator('#access-key').waitFor({ state: 'visible', timeout: 30_000 });
    await expect(page.locator('#status').textContent()).resolves.toMatch(/UNAUTHENTICATED/);
    expect(await page.evaluate(() => sessionStorage.getItem('yescale-access-key'))).toBeNull();
    await page.close();
  }, 60_000);
});
