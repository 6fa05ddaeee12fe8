/**
 * src/http/fast-path.ts against yoga: the same requests to two gateways over one emulator, one with
 * the fast path and one without, must get the same status, content type and body. Requests it must
 * leave to yoga are checked to have been left (`fastPath.served` does not move).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/observability/logger.js';
import { startHarness, type Harness } from './helpers.js';

const LIMITS = { maxDepth: 8, maxCost: 5_000, maxBatch: 3 };
let h: Harness;
let slow: { gateway: Gateway; server: RunningServer };

/** error-level log lines (50) of a gateway */
function errorLog() {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'error', pretty: false, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { logger, lines };
}
const fastLog = errorLog();
const slowLog = errorLog();

beforeAll(async () => {
  h = await startHarness({ limits: LIMITS, introspection: false, logger: fastLog.logger });
  const gateway = createGateway({ upstream: h.upstreamUrl, limits: LIMITS, introspection: false, fastPath: false, logger: slowLog.logger });
  slow = { gateway, server: await startServer(gateway, 0, '127.0.0.1') };
});
afterAll(async () => {
  await slow.server.close();
  await h.close();
});

interface Sent {
  headers?: Record<string, string>;
  body: unknown;
  method?: string;
}

async function send(url: string, sent: Sent, auth: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...sent.headers };
  if (auth) headers.authorization = `Bearer ${auth}`;
  const res = await fetch(`${url}/graphql`, { method: sent.method ?? 'POST', headers, body: typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body) });
  // every header but the date and the request id (compared apart)
  const rest = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));
  return { status: res.status, headers: rest, requestId: res.headers.get('x-request-id'), body: await res.text() };
}

/** Both gateways' answers, and whether the fast path answered. */
async function both(sent: Sent, auth: string | null = h.emulator.demoAccessKey) {
  const before = h.gateway.fastPath!.served;
  const fast = await send(h.server.url, sent, auth);
  const served = h.gateway.fastPath!.served - before;
  const yoga = await send(slow.server.url, sent, auth);
  return { fast, yoga, served };
}

const ME = { query: '{ me { username quota quotaUsd } }' };

describe('the fast path answers as yoga does', () => {
  it('a query, under every Accept it knows, with the media type yoga picks', async () => {
    const accepts = [undefined, '*/*', 'application/json', 'application/json, */*', 'application/json, text/plain, */*', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json,application/json;q=0.9', 'application/graphql-response+json, application/json', 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed'];
    for (const accept of accepts) {
      const { fast, yoga, served } = await both({ body: ME, headers: accept ? { accept } : {} });
      expect(served, String(accept)).toBe(1);
      expect({ ...fast, requestId: undefined }, String(accept)).toEqual({ ...yoga, requestId: undefined });
      expect(fast.requestId).toMatch(/^[\w-]{36}$/);
      expect(JSON.parse(fast.body).data.me.username).toBe('demo');
    }
  });

  it('variables, a chosen operation, a sent request id, errors from the upstream and the cost limit', async () => {
    const cases: Sent[] = [
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount edges { node { id modelName quota } } } } query B { me { username } }', variables: { n: 3 }, operationName: 'A' } },
      { body: { ...ME, variables: null, operationName: null } },
      { body: ME, headers: { 'x-request-id': 'trace-42' } },
      // refused by the cost limit at execution: no data, an error with a code
      { body: { query: '{ logs(first: 5000) { edges { node { id modelName quota promptTokens } } } }' } },
      // variables that do not fit the operation: refused before execution, no data
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount } }', variables: { n: 'three' } } },
      { body: { query: 'query A($n: Int!) { logs(first: $n) { totalCount } }' } },
      // a node id that names nothing: an error in the result beside data
      { body: { query: '{ node(id: "bm90LWEtbm9kZQ==") { id } }' } },
    ];
    for (const sent of cases) {
      const { fast, yoga, served } = await both(sent);
      expect(served, JSON.stringify(sent.body)).toBe(1);
      expect({ ...fast, requestId: undefined }, JSON.stringify(sent.body)).toEqual({ ...yoga, requestId: undefined });
    }
    expect((await both(cases[2])).fast.requestId).toBe('trace-42');
    const refused = JSON.parse((await both(cases[3])).fast.body);
    expect((await both(cases[4])).fast.status).toBe(200);
    expect(refused.errors[0].extensions.code).toBe('QUERY_COMPLEXITY');
  });

  it('an error thrown outside the result: masked alike, and logged by both', async () => {
    // variables nested past the stack's depth: the cost limit's JSON.stringify of them throws
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const before = [fastLog.lines.length, slowLog.lines.length];
    const { fast, yoga, served } = await both({ body: `{"query": "query A($n: Int) { logs(first: $n) { totalCount } }", "variables": {"n": ${deep}}}` });
    expect(served).toBe(1);
    expect({ ...fast, requestId: undefined }).toEqual({ ...yoga, requestId: undefined });
    expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(fastLog.lines.length).toBeGreaterThan(before[0]);
    expect(slowLog.lines.length).toBeGreaterThan(before[1]);
  });

  it('no credential, and a key the upstream refuses: the same coded errors', async () => {
    for (const auth of [null, 'sk-not-a-key']) {
      const { fast, yoga, served } = await both({ body: ME }, auth);
      expect(served).toBe(1);
      expect({ ...fast, requestId: undefined }).toEqual({ ...yoga, requestId: undefined });
      expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a mutation, sent once', async () => {
    const key = h.emulator.apiKeys('demo')[0];
    const mutation = { query: `mutation { updateApiKeyQuota(input: { id: "${key.id}", remainQuota: 4242 }) { apiKey { upstreamId remainQuota } } }` };
    h.reset();
    const { fast, yoga, served } = await both({ body: mutation });
    expect(served).toBe(1);
    expect(fast).toMatchObject({ status: yoga.status, headers: yoga.headers, body: yoga.body });
    expect(h.calls()[`PUT /yescale/editquota/${key.id}`]).toBe(2);
  });

  it('leaves to yoga, unanswered, whatever it does not know', async () => {
    const left: Sent[] = [
      { body: '{"query": "{ me { username } " }' }, // not JSON
      { body: { query: '{ me { username ' } }, // does not parse
      { body: { query: '{ me { nope } }' } }, // does not validate
      { body: { query: '{ __schema { types { name } } }' } }, // introspection is off
      { body: { query: '{ a: me { b: apiKeys { c: usage { totals { requests } } } } }'.replace('{ requests }', '{ requests } groups { day }') } },
      { body: { query: '{ me { username } }', operationName: 'Missing' } },
      { body: [ME, ME] }, // a batch
      { body: { ...ME, extensions: {} } },
      { body: { ...ME, unexpected: 1 } },
      { body: { ...ME, variables: [1] } },
      { body: { query: 'subscription { balance(below: 1) { quota } }' }, headers: { accept: 'application/json' } },
      { body: ME, headers: { accept: 'text/html' } },
      { body: ME, headers: { accept: 'text/event-stream' } },
      { body: ME, headers: { 'content-type': 'text/plain' } },
      { body: ME, headers: { 'content-type': 'application/graphql+json' } },
      { body: ME, headers: { origin: 'http://elsewhere.example' } },
      { body: ME, method: 'PUT' },
    ];
    for (const sent of left) {
      const { fast, yoga, served } = await both(sent);
      expect(served, JSON.stringify(sent)).toBe(0);
      expect({ ...fast, requestId: undefined }, JSON.stringify(sent)).toEqual({ ...yoga, requestId: undefined });
    }
  });
});

describe('the fast path is off when a plugin acts on every HTTP request', () => {
  it('with the response cache or a trusted-documents manifest, and when asked', () => {
    const upstream = h.upstreamUrl;
    const gateways = [
      createGateway({ upstream, cache: {} }),
      createGateway({ upstream, trustedDocuments: 'dashboard/gql/persisted-documents.json' }),
      createGateway({ upstream, fastPath: false }),
    ];
    // (yoga's server adapter reads a null property as undefined)
    for (const gateway of gateways) expect(gateway.fastPath).toBeFalsy();
    expect(createGateway({ upstream, dashboard: true }).fastPath).toBeTruthy();
    for (const gateway of gateways) void gateway.dispose();
  });
});
