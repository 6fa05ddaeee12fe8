/**
 * The GraphQL-over-HTTP audit of graphql-http (the spec's reference implementation) against the
 * gateway, with its fast path (src/http/fast-path.ts) and without: every MUST passes, and both
 * paths get the same verdict on every audit, SHOULDs and MAYs included.
 */
import { auditServer, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/gateway.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
let yogaOnly: { gateway: Gateway; server: RunningServer };

beforeAll(async () => {
  h = await startHarness();
  const gateway = createGateway({ upstream: h.upstreamUrl, fastPath: false });
  yogaOnly = { gateway, server: await startServer(gateway, 0, '127.0.0.1') };
});
afterAll(async () => {
  await yogaOnly.server.close();
  await h.close();
});

const verdicts = (results: AuditResult[]) => Object.fromEntries(results.map((r) => [`${r.id} ${r.name}`, r.status]));

it('every MUST of the audit passes, and the fast path changes no verdict', async () => {
  const before = h.gateway.fastPath!.served;
  const fast = await auditServer({ url: `${h.server.url}/graphql` });
  const served = h.gateway.fastPath!.served - before;
  const yoga = await auditServer({ url: `${yogaOnly.server.url}/graphql` });
  const failedMusts = fast.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
  expect(failedMusts).toEqual([]);
  expect(verdicts(fast)).toEqual(verdicts(yoga));
  // the audit is not all refusals: some of its requests took the fast path
  expect(served).toBeGreaterThan(5);
  expect(fast.length).toBeGreaterThan(40);
});
