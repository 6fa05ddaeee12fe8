/** --trusted-documents: only the documents of the manifest `npm run codegen` writes run; the typed example client uses them. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { loadTrustedDocuments } from '../src/plugins/trusted-documents.js';
import { apiKeys, execute, summary } from '../examples/client/account.js';
import { AccountOverviewDocument } from '../examples/client/gql/graphql.js';
import { startHarness, type Harness } from './helpers.js';

const MANIFEST = 'examples/client/gql/persisted-documents.json';
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;

describe('a gateway with --trusted-documents', () => {
  let h: Harness;
  let endpoint: string;
  beforeAll(async () => {
    h = await startHarness({ trustedDocuments: MANIFEST });
    endpoint = `${h.server.url}/graphql`;
  });
  afterAll(() => h.close());

  async function send(body: unknown) {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.emulator.demoAccessKey}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
  }

  it('refuses any query text, even one of the manifest, before any upstream call', async () => {
    h.reset();
    for (const query of ['{ me { username } }', Object.values(manifest)[0]]) {
      const { status, body } = await send({ query });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENTS_ONLY');
      expect(body.errors?.[0]?.message).toMatch(/runs only trusted documents/);
    }
    expect(h.calls()).toEqual({});
  });

  it('refuses an unknown hash and a request with neither query nor hash', async () => {
    const unknown = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'sha256:' + '0'.repeat(64) } } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    const empty = await send({ variables: {} });
    expect(empty.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENTS_ONLY');
    expect(h.calls()).toEqual({});
  });

  it('runs a manifest mutation by hash, also with introspection off; the same mutation as text is refused', async () => {
    const [hash, text] = Object.entries(manifest).find(([, doc]) => doc.includes('mutation SetApiKeyQuota'))!;
    const closed = await startHarness({ trustedDocuments: MANIFEST, introspection: false });
    try {
      const key = closed.emulator.apiKeys('demo')[0];
      const post = async (body: unknown) =>
        (await fetch(`${closed.server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${closed.emulator.demoAccessKey}` },
          body: JSON.stringify(body),
        })).json();
      const asText = await post({ query: text, variables: { id: String(key.id), usd: 3 } });
      expect(asText.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENTS_ONLY');
      expect(closed.calls()).toEqual({});
      const byHash = await post({ variables: { id: String(key.id), usd: 3 }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      expect(byHash.errors).toBeUndefined();
      expect(byHash.data.updateApiKeyQuota.apiKey.remainQuota).toBe(1_500_000);
    } finally {
      await closed.close();
    }
  });

  it('runs a manifest document sent by hash, with or without the sha256: prefix', async () => {
    const hash = (AccountOverviewDocument as { __meta__?: { hash: string } }).__meta__!.hash;
    expect(manifest[hash]).toBeDefined();
    for (const sha256Hash of [hash, hash.replace('sha256:', '')]) {
      const { status, body } = await send({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect((body.data as { me: { username: string } }).me.username).toBe('demo');
    }
  });

  it('serves the typed example client (examples/client/account.ts)', async () => {
    const wire = h.emulator.user('demo');
    const keys = h.emulator.apiKeys('demo');
    const enabled = keys.filter((key) => key.status === 1).length;
    expect(await summary(endpoint, h.emulator.demoAccessKey)).toBe(
      `demo: ${(wire.quota / 500_000).toFixed(2)} USD left, ${(wire.used_quota / 500_000).toFixed(2)} USD used, ${enabled} of ${keys.length} keys enabled`,
    );
    const bots = await apiKeys(endpoint, 'bot', h.emulator.demoAccessKey);
    expect(bots.apiKeys?.map((key) => key.name).sort()).toEqual(keys.filter((key) => key.name.includes('bot')).map((key) => key.name).sort());
    await expect(execute(endpoint, AccountOverviewDocument, {}, 'not-a-key')).rejects.toThrow(/^UNAUTHENTICATED: /);
  });
});

describe('the trusted-documents manifest', () => {
  it('holds every operation of schema/operations/ (run `npm run codegen` after editing them)', () => {
    const names = (text: string) => getOperationAST(parse(text))?.name?.value;
    const operations = readdirSync('schema/operations').filter((file) => file.endsWith('.graphql'));
    const fromFiles = operations.map((file) => names(readFileSync(join('schema/operations', file), 'utf8'))).sort();
    expect(Object.values(manifest).map(names).sort()).toEqual(fromFiles);
    expect(Object.keys(manifest).every((hash) => /^sha256:[0-9a-f]{64}$/.test(hash))).toBe(true);
  });

  it('is checked at startup: a missing file is a config error, a bad one a clear error', () => {
    expect(parseConfig(['--trusted-documents', MANIFEST], {}).trustedDocuments).toBe(MANIFEST);
    expect(() => parseConfig([], { TRUSTED_DOCUMENTS: 'no/such/manifest.json' })).toThrow(ConfigError);
    expect(() => parseConfig([], { TRUSTED_DOCUMENTS: 'no/such/manifest.json' })).toThrow('TRUSTED_DOCUMENTS: no such file "no/such/manifest.json"');
    const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
    const bad = join(dir, 'bad.json');
    for (const [content, message] of [
      ['[]', /must be a JSON object of hash -> document/],
      ['{"sha256:ab": 3}', /the entry sha256:ab .* is not a document string/],
      ['{}', /holds no documents/],
      ['{', /cannot read the manifest/],
    ] as const) {
      writeFileSync(bad, content);
      expect(() => loadTrustedDocuments(bad)).toThrow(message);
    }
  });
});
