/**
 * Malformed or abusive requests, each refused with a clear error and no upstream call:
 * transport (body size, batching, CSRF, broken JSON), parse and validation (tokens, depth,
 * aliases, directives, cost, fragments, operations), variables, and argument checks that
 * name the argument (BAD_USER_INPUT). test/errors.test.ts has the first argument checks;
 * these extend them.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, total, type Harness } from './helpers.js';
import { wsClient, wsSubscribe } from './live/clients.js';

const LIMITS = { maxDepth: 8, maxAliases: 5, maxTokens: 400, maxDirectives: 5, maxCost: 5_000, maxBatch: 3, maxRequestBytes: 8_000 };

let h: Harness;
let closed: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: LIMITS }, { logsPerUser: 100 });
  closed = await startHarness({ introspection: false }, { logsPerUser: 100 });
});
afterAll(async () => {
  await h.close();
  await closed.close();
});
beforeEach(() => h.reset());

interface Raw {
  method?: string;
  headers?: Record<string, string>;
  body?: string | ReadableStream<Uint8Array>;
  search?: string;
}
const json = (payload: unknown): Raw => ({ body: JSON.stringify(payload) });
const q = (query: string, variables?: Record<string, unknown>, operationName?: string): Raw => json({ query, variables, operationName });

async function send(target: Harness, raw: Raw): Promise<{ status: number; body: any }> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.emulator.demoAccessKey}`, ...raw.headers };
  for (const [name, value] of Object.entries(headers)) if (value === '') delete (headers as Record<string, string>)[name];
  const res = await fetch(`${target.server.url}/graphql${raw.search ?? ''}`, {
    method: raw.method ?? 'POST',
    headers,
    body: raw.body,
    ...(raw.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

const repeat = (n: number, s: string, sep = ' ') => Array.from({ length: n }, (_, i) => s.replaceAll('#', String(i))).join(sep);
const nest = (depth: number) => `{ me { ${'apiKeys { logs { apiKey { '.repeat(depth)}name${' } } }'.repeat(depth)} } }`;
const WINDOW = `{ from: "2020-01-01T00:00:00Z", to: "2021-01-01T00:00:00Z" }`;

/** [what, request, the error message must match] */
const cases: [string, Raw, RegExp][] = [
  // transport
  ['a body over the byte cap (Content-Length)', q(`{ me { username } }`, { pad: 'x'.repeat(9_000) }), /exceeds 8000 bytes/],
  ['a streamed body over the byte cap (no Content-Length)', { body: new Blob([JSON.stringify({ query: '{ me { username } }', pad: 'x'.repeat(20_000) })]).stream() }, /exceeds 8000 bytes/],
  ['a batch over the cap', json(Array.from({ length: 4 }, () => ({ query: '{ me { username } }' }))), /Batching is limited to 3/],
  ['a batch of broken members', json([{ query: 42 }, 'nope']), /.+/],
  ['a text/plain POST without a CSRF header', { ...q(`{ me { username } }`), headers: { 'content-type': 'text/plain' } }, /CSRF/],
  ['a form POST without a CSRF header', { body: 'query=%7B%20me%20%7B%20username%20%7D%20%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, /CSRF/],
  ['a GET without a content type or CSRF header', { method: 'GET', search: '?query=%7B%20me%20%7B%20username%20%7D%20%7D', headers: { 'content-type': '' } }, /CSRF/],
  ['broken JSON', { body: '{"query": "{ me { username } }"' }, /JSON/i],
  ['a JSON string body', json('{ me { username } }'), /.+/],
  ['a JSON number body', { body: '42' }, /.+/],
  ['no query', json({ variables: {} }), /query/i],
  ['a query that is not a string', json({ query: 42 }), /query/i],
  ['variables that are not an object', json({ query: '{ me { username } }', variables: 'x' }), /variables/i],
  ['extensions that are not an object', json({ query: '{ me { username } }', extensions: 7 }), /extensions/i],
  // parse
  ['a syntax error', q(`{ me { username `), /Syntax Error/],
  ['an empty document', q(''), /.+/],
  ['a comment-only document', q('# nothing'), /Syntax Error/],
  ['too many tokens', q(`{ me { ${repeat(450, 'username')} } }`), /Token limit of 400/],
  ['a huge string literal refused by tokens and byte cap', q(`{ apiKeys(filter: { keyword: "${'k'.repeat(9_000)}" }) { name } }`), /exceeds 8000 bytes/],
  // validation and limits
  ['nesting deeper than the limit', q(nest(3)), /depth limit of 8/],
  ['depth hidden in fragments', q(`{ ...A } fragment A on Query { me { ...B } } fragment B on User { apiKeys { ...C } } fragment C on ApiKey { logs { apiKey { logs { apiKey { logs { apiKey { name } } } } } } }`), /depth limit of 8/],
  ['too many aliases', q(`{ ${repeat(6, 'a#: me { username }')} }`), /Aliases limit of 5/],
  ['aliases spread over fragments', q(`{ me { ...A ...B } } fragment A on User { ${repeat(3, 'a#: username')} } fragment B on User { ${repeat(3, 'b#: email')} }`), /Aliases limit of 5/],
  ['too many directives', q(`{ me { username ${repeat(6, '@include(if: true)')} } }`), /Directives limit of 5/],
  ['a connection over the cost limit', q(`{ logs(first: 5000) { edges { node { id } } } }`), /complexity of \d+ exceeds max complexity of 5000/],
  ['cost through a variable', q(`query($n: Int) { logs(first: $n) { totalCount } }`, { n: 9_999 }), /exceeds max complexity of 5000/],
  ['nested lists over the cost limit', q(`{ apiKeys { logs(first: 300) { modelName tokenName } } }`), /exceeds max complexity/],
  ['a fragment cycle', q(`{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }`), /Cannot spread fragment/],
  ['an unknown fragment', q(`{ me { ...Nope } }`), /Unknown fragment/],
  ['an unused fragment', q(`{ me { username } } fragment F on User { email }`), /never used/],
  ['a mutation (there are none)', q(`mutation { deleteKey(id: 1) }`), /mutation/i],
  ['a subscription (there are none)', q(`subscription { logs { id } }`), /subscription/i],
  ['two operations and no operationName', q(`query A { me { username } } query B { me { email } }`), /Could not determine what operation to execute/],
  ['an operationName not in the document', q(`query A { me { username } }`, undefined, 'B'), /Unknown operation named "B"|Could not determine what operation/],
  ['an unknown argument', q(`{ logs(last: 5) { totalCount } }`), /Unknown argument "last"/],
  ['an unknown field', q(`{ me { password } }`), /Cannot query field "password"/],
  ['a selection on a scalar', q(`{ me { username { length } } }`), /must not have a selection/],
  ['an object without a selection', q(`{ me }`), /must have a selection/],
  ['a string for an Int', q(`{ logs(first: "ten") { totalCount } }`), /Int cannot represent/],
  ['a float for an Int', q(`{ logs(first: 1.5) { totalCount } }`), /Int cannot represent/],
  ['an Int over 32 bits', q(`{ logs(first: 3000000000) { totalCount } }`), /Int cannot represent/],
  // variables
  ['a variable of the wrong declared type', q(`query($n: String) { logs(first: $n) { totalCount } }`, { n: '5' }), /type "String" used in position expecting type "Int"/],
  ['a missing required variable', q(`query($f: TaskFilter!) { tasks(filter: $f) { id } }`), /"\$f" of required type/],
  ['a variable value of the wrong type', q(`query($n: Int) { logs(first: $n) { totalCount } }`, { n: 'abc' }), /Int cannot represent/],
  ['an unknown enum value in a variable', q(`query($f: LogFilter) { logs(filter: $f) { totalCount } }`, { f: { type: 'SPEND' } }), /SPEND/],
  ['a lower-case enum value', q(`{ logs(filter: { type: consume }) { totalCount } }`), /consume/],
  ['an unknown input field', q(`{ logs(filter: { model: "x" }) { totalCount } }`), /"model" is not defined/],
  ['an impossible calendar date', q(`{ logs(filter: { from: "2025-13-45T00:00:00Z" }) { totalCount } }`), /DateTime/],
  ['a DateTime as a number', q(`{ logs(filter: { from: 1700000000 }) { totalCount } }`), /DateTime/],
  // arguments checked by the resolvers (BAD_USER_INPUT naming the argument)
  ['tasks from year 1999', q(`{ tasks(filter: { from: "1999-01-01T00:00:00Z", to: "2021-01-01T00:00:00Z" }) { id } }`), /`filter.from`/],
  ['logs to year 2200', q(`{ logs(filter: { to: "2200-01-01T00:00:00Z" }) { totalCount } }`), /`filter.to`/],
  ['an over-long username filter', q(`query($u: String) { logs(filter: { username: $u }) { totalCount } }`, { u: 'u'.repeat(300) }), /`filter.username`/],
  ['an over-long tokenName filter', q(`query($t: String) { logs(filter: { tokenName: $t }) { totalCount } }`, { t: 't'.repeat(300) }), /`filter.tokenName`/],
  ['an over-long API key token', q(`query($t: String) { apiKeys(filter: { token: $t }) { name } }`, { t: 'sk-' + 'a'.repeat(300) }), /`filter.token`/],
  ['an over-long task platform', q(`query($p: String) { tasks(filter: { from: "2020-01-01T00:00:00Z", to: "2021-01-01T00:00:00Z", platform: $p }) { id } }`, { p: 'p'.repeat(300) }), /`filter.platform`/],
  ['an over-long task action', q(`query($a: String) { tasks(filter: { from: "2020-01-01T00:00:00Z", to: "2021-01-01T00:00:00Z", action: $a }) { id } }`, { a: 'a'.repeat(300) }), /`filter.action`/],
  ['logs with a negative first in a variable', q(`query($n: Int) { logs(first: $n) { totalCount } }`, { n: -5 }), /`first`/],
  ['a garbage cursor', q(`{ logs(after: "%%%not-base64%%%") { totalCount } }`), /`after`/],
  ['an empty ApiKey id', q(`{ apiKey(id: "") { name } }`), /`id`/],
  ['a filter variable missing a required field', q(`query($f: TaskFilter!) { tasks(filter: $f) { id } }`, { f: { from: '2020-01-01T00:00:00Z' } }), /"to" of required type/],
  ['task window given as the window of WINDOW but reversed', q(`{ tasks(filter: ${WINDOW.replace('2020', 'X').replace('2021', '2020').replace('X', '2021')}) { id } }`), /`filter.from`/],
];

describe(`${cases.length} malformed or abusive requests`, () => {
  it('are at least 50', () => expect(cases.length).toBeGreaterThanOrEqual(50));

  it.each(cases)('%s: refused with a clear error, no upstream call', async (_what, raw, pattern) => {
    const { status, body } = await send(h, raw);
    const errors: { message: string; extensions?: Record<string, unknown> }[] = Array.isArray(body) ? body.flatMap((r) => r.errors ?? []) : (body.errors ?? []);
    expect(errors.length, JSON.stringify(body)).toBeGreaterThan(0);
    expect(errors.map((e) => e.message).join('\n')).toMatch(pattern);
    // nothing was answered: no data at all, or only nulls where the refused fields were
    const data = Array.isArray(body) ? null : body.data;
    if (data) expect(Object.values(data).every((v) => v === null)).toBe(true);
    expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
    expect(total(h.calls())).toBe(0);
  });

  it('limit refusals carry a code naming the limit', async () => {
    const coded: [Raw, string][] = [
      [q(nest(3)), 'QUERY_DEPTH'],
      [q(`{ ${repeat(6, 'a#: me { username }')} }`), 'QUERY_ALIASES'],
      [q(`{ me { ${repeat(450, 'username')} } }`), 'QUERY_TOKENS'],
      [q(`{ me { username ${repeat(6, '@include(if: true)')} } }`), 'QUERY_DIRECTIVES'],
      [q(`{ logs(first: 5000) { totalCount } }`), 'QUERY_COMPLEXITY'],
      [q(`{ me { username } }`, { pad: 'x'.repeat(9_000) }), 'REQUEST_TOO_LARGE'],
    ];
    for (const [raw, code] of coded) expect((await send(h, raw)).body.errors[0].extensions.code).toBe(code);
    expect(total(h.calls())).toBe(0);
  });

  it('a CSRF refusal is a 403 with a code and names the headers that pass', async () => {
    const { status, body } = await send(h, { ...q(`{ me { username } }`), headers: { 'content-type': 'text/plain' } });
    expect(status).toBe(403);
    expect(body.errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
    expect(body.errors[0].message).toMatch(/x-graphql-yoga-csrf or apollo-require-preflight/);
    const get = { method: 'GET', search: '?query=%7B%20me%20%7B%20username%20%7D%20%7D' };
    expect((await send(h, { ...get, headers: { 'content-type': '' } })).body.errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
    expect((await send(h, { ...get, headers: { 'content-type': '', 'x-graphql-yoga-csrf': '1' } })).body.data.me.username).toBe('demo');
  });

  it('a body whose stream fails is a 400 BAD_REQUEST, not 413', async () => {
    // A stream failure after the headers makes Node close the socket itself (a client cannot read
    // the answer), so the request goes straight to the server's handler with a failing body.
    const req = Object.assign(new Readable({ read() {} }), { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' } });
    const answer = new Promise<{ status: number; body: any }>((resolve) => {
      let status = 0;
      const res = {
        writeHead(code: number) {
          status = code;
          return res;
        },
        end(text: string) {
          resolve({ status, body: JSON.parse(text) });
        },
      };
      h.server.server.emit('request', req, res);
    });
    req.push('{"query": "{ me');
    req.destroy(new Error('aborted'));
    const { status, body } = await answer;
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/could not be read/), extensions: { code: 'BAD_REQUEST' } });
  });

  it('a cost that passed once is not reused for larger `first` variables of the same document', async () => {
    const document = `query($n: Int, $f: LogFilter) { logs(first: $n, filter: $f) { totalCount } }`;
    expect((await send(h, q(document, { n: 5 }))).body.errors).toBeUndefined();
    expect((await send(h, q(document, { n: 5, f: { type: 'CONSUME' } }))).body.errors).toBeUndefined();
    h.reset();
    expect((await send(h, q(document, { n: 5000 }))).body.errors[0].extensions.code).toBe('QUERY_COMPLEXITY');
    expect(total(h.calls())).toBe(0);
  });

  it('the limits leave ordinary queries alone', async () => {
    const { body } = await send(h, q(`{ me { username apiKeys { name logs(first: 5) { modelName } } } logs(first: 100) { edges { node { id quota } } } }`));
    expect(body.errors).toBeUndefined();
    expect(body.data.me.username).toBe('demo');
  });
});

describe('introspection can be turned off', () => {
  it('refuses __schema and __type without an upstream call, and still answers queries', async () => {
    closed.reset();
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { fields { name } } }']) {
      const { body } = await send(closed, q(query));
      expect(body.errors[0].message).toMatch(/introspection/i);
      expect(body.data ?? null).toBeNull();
    }
    expect(total(closed.calls())).toBe(0);
    expect((await send(closed, q('{ me { username } }'))).body.data.me.username).toBe('demo');
    // on by default (GraphiQL needs it)
    expect((await send(h, q('{ __type(name: "User") { name } }'))).body.data.__type.name).toBe('User');
  });

  it('over WebSocket, a mutation is refused and nothing is written upstream', async () => {
    const client = wsClient(h.server.url, h.emulator.demoAccessKey);
    const key = h.emulator.apiKeys('demo')[0];
    h.reset();
    try {
      const refused = wsSubscribe(client, `mutation { updateApiKeyQuota(input: { id: "${key.id}", remainQuota: 1 }) { apiKey { remainQuota } } }`);
      await refused.ended;
      expect(refused.events[0].errors?.[0]).toMatchObject({ message: expect.stringMatching(/POST/), extensions: { code: 'BAD_REQUEST' } });
      expect(total(h.calls())).toBe(0);
    } finally {
      await client.dispose();
    }
  });

  it('over WebSocket, a limit refused in validation is the operation\'s error, and the socket serves on', async () => {
    const client = wsClient(h.server.url, h.emulator.demoAccessKey);
    h.reset();
    try {
      const refused = wsSubscribe(client, nest(3));
      await refused.ended;
      expect(refused.events[0].errors?.[0].message).toMatch(/depth limit of 8/);
      expect(total(h.calls())).toBe(0);
      const answered = wsSubscribe(client, '{ me { username } }');
      await answered.ended;
      expect(answered.events[0].data.me.username).toBe('demo');
    } finally {
      await client.dispose();
    }
  });

  it('over WebSocket too (the refusal is a validation rule, not a hook of the HTTP request)', async () => {
    const client = wsClient(closed.server.url, closed.emulator.demoAccessKey);
    try {
      const refused = wsSubscribe(client, '{ __schema { types { name } } }');
      await refused.ended;
      expect(refused.events[0].errors?.[0].message).toMatch(/introspection/i);
      const answered = wsSubscribe(client, '{ me { username } }');
      await answered.ended;
      expect(answered.events[0].data.me.username).toBe('demo');
    } finally {
      await client.dispose();
    }
  });
});
