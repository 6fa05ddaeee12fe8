/** GET /metrics: operations, errors by code, upstream calls and latency, cache hits/misses, circuit state. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(',') : [];
    if (have.length === wanted.length && wanted.every((label) => have.includes(label))) return Number(match[3]);
  }
  return 0;
}

/** The sum of a metric's samples whose labels include `labels`. */
function sum(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label)))
    .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
}

async function scrape(h: Harness): Promise<string> {
  const res = await fetch(`${h.server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: {}, http: { retries: 1, retryBaseDelayMs: 1, breakerThreshold: 2, breakerCooldownMs: 60_000 } });
  });
  afterAll(() => h.close());

  it('counts operations, their errors by code, cache hits and misses, and upstream calls by endpoint and status', async () => {
    h.reset();
    const me = 'query Me { me { username } }';
    await h.gql(me);
    await h.gql(me);
    await h.gql('query Bad { me { username } }', {}, 'not-a-key');
    h.emulator.setFault({ mode: 'http500', path: '/yescale/apikeylist', count: 1 });
    const keys = await h.gql('query Keys { apiKeys { name } }');
    expect(keys.errors).toBeUndefined(); // the retry got through
    await h.gql('{ nope }');

    const text = await scrape(h);
    expect(sample(text, 'graphql_operations_total', { operation: 'Me' })).toBe(2);
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation: 'Me' })).toBe(2);
    expect(sample(text, 'graphql_operations_total', { operation: 'Bad' })).toBe(1);
    expect(sample(text, 'graphql_errors_total', { operation: 'Bad', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'graphql_errors_total', { operation: 'anonymous', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(text, 'graphql_response_cache_hits_total')).toBe(1);
    expect(sample(text, 'graphql_response_cache_misses_total')).toBe(3); // Me, Bad, Keys

    const calls = h.calls();
    expect(calls).toEqual({ '/yescale/user': 2, '/yescale/apikeylist': 2 });
    for (const [endpoint, count] of Object.entries(calls)) {
      expect(sum(text, 'upstream_calls_total', { endpoint })).toBe(count);
      expect(sample(text, 'upstream_call_duration_seconds_count', { endpoint })).toBe(count);
    }
    expect(sample(text, 'upstream_calls_total', { endpoint: '/yescale/apikeylist', status: '500' })).toBe(1);
    expect(sample(text, 'upstream_calls_total', { endpoint: '/yescale/apikeylist', status: '200' })).toBe(1);
    expect(sample(text, 'upstream_circuit_state', { state: 'closed' })).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts each operation of a batched request', async () => {
    h.reset();
    const res = await fetch(`${h.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.emulator.demoAccessKey}` },
      body: JSON.stringify([{ query: 'query MB1 { me { username } }' }, { query: 'query MB2 { apiKeys { name } }' }, { query: 'query MB3 { nope }' }]),
    });
    expect(await res.json()).toHaveLength(3);
    const text = await scrape(h);
    for (const operation of ['MB1', 'MB2', 'MB3']) expect(sample(text, 'graphql_operations_total', { operation })).toBe(1);
    expect(sample(text, 'graphql_errors_total', { operation: 'MB3', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(text, 'graphql_errors_total', { operation: 'MB1', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(0);
  });

  it('shows the circuit open after repeated upstream failures', async () => {
    h.reset();
    h.emulator.setFault({ mode: 'http503', path: '/yescale/user' });
    const res = await h.gql('query Down { me { username } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const text = await scrape(h);
    expect(sample(text, 'upstream_circuit_state', { state: 'open' })).toBe(1);
    expect(sample(text, 'upstream_circuit_state', { state: 'closed' })).toBe(0);
    expect(sample(text, 'upstream_calls_total', { endpoint: '/yescale/user', status: '503' })).toBe(2);
    expect(sample(text, 'graphql_errors_total', { operation: 'Down', code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
  });

  it('is not served with metrics: false', async () => {
    const off = await startHarness({ metrics: false });
    try {
      expect((await fetch(`${off.server.url}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
