/**
 * The dashboard's side of the gateway, without a browser: its files and headers, the `--dashboard`
 * flag, and its documents known by hash, alone or within an operator's trusted-documents manifest.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { startHarness, type Harness } from './helpers.js';

const DASHBOARD_MANIFEST = JSON.parse(readFileSync('dashboard/gql/persisted-documents.json', 'utf8')) as Record<string, string>;
const EXAMPLES_MANIFEST = 'examples/client/gql/persisted-documents.json';

/** GET a raw path (fetch would normalise `..` away). */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function byHash(h: Harness, name: string, variables: Record<string, unknown> = {}) {
  const config = JSON.parse((await get(h.server.url, '/dashboard/config.json')).body) as { documents: Record<string, string> };
  const res = await fetch(`${h.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.emulator.demoAccessKey}` },
    body: JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: config.documents[name] } } }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe('a gateway with --dashboard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dashboard: true }, { logsPerUser: 300 });
  });
  afterAll(() => h.close());

  it('serves the page and its files with a self-only CSP, and nothing else under /dashboard', async () => {
    const page = await get(h.server.url, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self';.*connect-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // No inline script: every <script> has a src on this origin.
    expect(page.body.match(/<script[^>]*>/g)?.every((tag) => /src="\/dashboard\//.test(tag))).toBe(true);
    for (const path of ['/dashboard/', '/dashboard/app.js', '/dashboard/api.js', '/dashboard/chart.js', '/dashboard/dates.js', '/dashboard/style.css', '/dashboard/uplot.js', '/dashboard/uplot.css']) {
      expect((await get(h.server.url, path)).status, path).toBe(200);
    }
    for (const path of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/tsconfig.json', '/dashboard/gql/graphql.ts', '/dashboard/nope.js']) {
      const res = await get(h.server.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('"name": "yescale-graphql"');
    }
    expect((await get(h.server.url, '/dashboard', 'POST')).status).toBe(405);
    expect(h.calls()).toEqual({});
  });

  it('tells the page its document hashes and that the server has no key of its own', async () => {
    const config = JSON.parse((await get(h.server.url, '/dashboard/config.json')).body);
    expect(config.accessKeyRequired).toBe(true);
    expect(config.readOnly).toBe(false);
    expect(Object.keys(config.documents).sort()).toEqual(['DashboardApiKeys', 'DashboardTasks', 'DashboardUsage', 'DeleteApiKey', 'SetApiKeyQuota', 'WatchTask']);
    expect(Object.values(config.documents).sort()).toEqual(Object.keys(DASHBOARD_MANIFEST).sort());
  });

  it('runs its documents by hash, and query text as before; an unknown hash is refused before any upstream call', async () => {
    const usage = await byHash(h, 'DashboardUsage', { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', timeZone: 'UTC' });
    expect(usage.errors).toBeUndefined();
    expect(usage.data.usage.totals.requests).toBeGreaterThan(0);
    expect((await h.gql('{ me { username } }')).data).toEqual({ me: { username: 'demo' } });
    h.reset();
    const res = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'sha256:' + '0'.repeat(64) } } }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    expect(body.errors[0]!.message).toMatch(/only the documents of its dashboard; send the query text instead/);
    expect(h.calls()).toEqual({});
  });

  it('a bad variable of a dashboard document is a coded error before any upstream call', async () => {
    h.reset();
    const bad = await byHash(h, 'DashboardUsage', { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', timeZone: 'Mars/Olympus' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toContain('Mars/Olympus');
    expect(h.calls()['/yescale/logs']).toBeUndefined();
  });
});

describe('--dashboard with --trusted-documents', () => {
  it('runs with a manifest that holds the dashboard documents, and refuses query text', async () => {
    const h = await startHarness({ dashboard: true, trustedDocuments: EXAMPLES_MANIFEST }, { logsPerUser: 300 });
    try {
      const keys = await byHash(h, 'DashboardApiKeys');
      expect(keys.data.apiKeys.length).toBe(h.emulator.apiKeys('demo').length);
      expect((await h.gql('{ me { username } }')).errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENTS_ONLY');
    } finally {
      await h.close();
    }
  });

  it('refuses to start with a manifest that lacks them, naming the missing documents', async () => {
    const examples = JSON.parse(readFileSync(EXAMPLES_MANIFEST, 'utf8')) as Record<string, string>;
    const partial = Object.fromEntries(Object.entries(examples).filter(([, text]) => !/query Dashboard(Usage|Tasks)\b/.test(text)));
    const path = join(mkdtempSync(join(tmpdir(), 'trusted-')), 'partial.json');
    writeFileSync(path, JSON.stringify(partial));
    expect(() => createGateway({ upstream: 'http://127.0.0.1:9', dashboard: true, trustedDocuments: path })).toThrow(
      /partial\.json lacks the dashboard's documents DashboardTasks, DashboardUsage: add the entries of dashboard\/gql\/persisted-documents\.json/,
    );
    // Without the dashboard the same manifest is fine.
    await createGateway({ upstream: 'http://127.0.0.1:9', trustedDocuments: path }).dispose();
  });
});

describe('the --dashboard setting', () => {
  it('is on in demo, off in serve, and set by flag or DASHBOARD', () => {
    expect(parseConfig(['demo'], {}).dashboard).toBe(true);
    expect(parseConfig(['demo'], { DASHBOARD: '0' }).dashboard).toBe(false);
    expect(parseConfig(['serve'], {}).dashboard).toBe(false);
    expect(parseConfig(['serve', '--dashboard'], {}).dashboard).toBe(true);
    expect(parseConfig(['serve'], { DASHBOARD: '1' }).dashboard).toBe(true);
    expect(() => parseConfig(['serve'], { DASHBOARD: 'yes' })).toThrow('DASHBOARD must be 1/true or 0/false, got "yes"');
  });

  it('with --read-only, tells the page so (it shows no key actions); with a server key, that none is needed', async () => {
    const h = await startHarness({ dashboard: true, readOnly: true, accessKey: 'server-key' }, { logsPerUser: 100 });
    try {
      const config = JSON.parse((await get(h.server.url, '/dashboard/config.json')).body);
      expect(config).toMatchObject({ readOnly: true, accessKeyRequired: false });
    } finally {
      await h.close();
    }
  });

  it('without it /dashboard is not served', async () => {
    const h = await startHarness({}, { logsPerUser: 100 });
    try {
      expect((await get(h.server.url, '/dashboard')).status).toBe(404);
      expect((await get(h.server.url, '/dashboard/config.json')).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
