/**
 * The Node floor: node:http + an undici Pool, no GraphQL. It answers only the bench's own documents
 * (the same text ours and Apollo get, bench/peers/ours.ts) with the upstream calls a GraphQL server
 * needs for them and the same JSON answer, so its cost per request is what any Node server pays for
 * that upstream work; the gap to a GraphQL server is what its GraphQL layer costs.
 * No parsing, validation or execution of documents, no DataLoader, no merging of calls across requests.
 *
 * env: PORT (default 4002), HOST (127.0.0.1), UPSTREAM (http://127.0.0.1:4010). NODE_ENV=production for numbers.
 * The caller's Authorization header is forwarded on every upstream call.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

// The gateway's own undici (a root dependency; bench/peers' install has none), whatever bench/peers hoists.
const { Pool } = createRequire(new URL('../../../package.json', import.meta.url))('undici');

const PORT = Number(process.env.PORT ?? 4002);
const HOST = process.env.HOST ?? '127.0.0.1';
const UPSTREAM = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:4010');
const BASE = UPSTREAM.pathname.replace(/\/$/, '');
const CREDITS_PER_USD = 500_000;
const MAX_BODY = 64 * 1024;

// as the gateway's pool (src/upstream/http.ts): 32 keep-alive connections
const pool = new Pool(UPSTREAM.origin, { connections: 32, keepAliveTimeout: 10_000 });

class Failure extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET an upstream path; its `data`. The upstream answers business errors with HTTP 200 and success:false. */
async function get(path, auth) {
  const headers = { accept: 'application/json' };
  if (auth) headers.authorization = auth;
  const res = await pool.request({ method: 'GET', path: BASE + path, headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Failure(200, `upstream ${path}: HTTP ${res.statusCode}`, 'UPSTREAM');
  const body = JSON.parse(text);
  if (body.success === false) throw new Failure(200, body.message || 'upstream error', 'UPSTREAM');
  return body.data;
}

// The wire's codes as the gateway's schema names them (src/upstream/records.ts).
const KEY_STATUS = { 1: 'ENABLED', 2: 'DISABLED', 3: 'EXPIRED', 4: 'EXHAUSTED' };
const TASK_STATUS = new Set(['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'FAILURE', 'SUCCESS']);
const keyStatus = (k) => KEY_STATUS[k.status] ?? 'UNKNOWN';
const iso = (unix) => new Date(unix * 1000).toISOString();
const progress = (p) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(typeof p === 'string' ? p : '');
  return m ? Math.min(100, Number(m[1])) : null;
};
const unix = (value, name) => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Failure(200, `Variable "$${name}": not a date-time`, 'BAD_USER_INPUT');
  return Math.floor(ms / 1000);
};

/** A log's key: by id when the log carries one, else by name (as the gateway's LogEntry.apiKey). */
function keyOf(log, keys) {
  return (log.token_id ? keys.find((k) => k.id === log.token_id) : undefined) ?? keys.find((k) => k.name === log.token_name) ?? null;
}

/** The bench's documents (bench/peers/ours.ts QUERIES), whitespace-normalized, and how each is answered. */
const DOCUMENTS = {
  '{ me { username quota quotaUsd usedQuota usedQuotaUsd requestCount } }': async (auth) => {
    const u = await get('/yescale/user', auth);
    return {
      me: { username: u.username, quota: u.quota, quotaUsd: u.quota / CREDITS_PER_USD, usedQuota: u.used_quota, usedQuotaUsd: u.used_quota / CREDITS_PER_USD, requestCount: u.request_count },
    };
  },
  '{ logs(first: 50) { edges { node { id createdAt modelName quota promptTokens completionTokens apiKey { name status } } } } }': async (auth) => {
    // one key list for all 50 entries, fetched alongside the page
    const [page, keys] = await Promise.all([get('/yescale/logs?p=1&page_size=50', auth), get('/yescale/apikeylist', auth)]);
    const edges = page.items.map((l) => {
      const k = keyOf(l, keys);
      return {
        node: {
          // the gateway hashes the entry's content into its id; a cheaper unique one here (as the Apollo peer)
          id: `${l.created_at}.${l.request_id || l.id}`,
          createdAt: iso(l.created_at),
          modelName: l.model_name,
          quota: l.quota,
          promptTokens: l.prompt_tokens,
          completionTokens: l.completion_tokens,
          apiKey: k && { name: k.name, status: keyStatus(k) },
        },
      };
    });
    return { logs: { edges } };
  },
  'query Dashboard($from: DateTime!, $to: DateTime!) { me { username quota } apiKeys { name status remainQuota } logs(first: 20) { edges { node { createdAt modelName quota } } } tasks(filter: {from: $from, to: $to}) { taskId status progress } }':
    async (auth, v) => {
      const from = unix(v?.from, 'from');
      const to = unix(v?.to, 'to');
      const [u, keys, page, tasks] = await Promise.all([
        get('/yescale/user', auth),
        get('/yescale/apikeylist', auth),
        get('/yescale/logs?p=1&page_size=20', auth),
        get(`/yescale/task?start_timestamp=${from}&end_timestamp=${to}`, auth),
      ]);
      return {
        me: { username: u.username, quota: u.quota },
        apiKeys: keys.map((k) => ({ name: k.name, status: keyStatus(k), remainQuota: k.remain_quota })),
        logs: { edges: page.items.map((l) => ({ node: { createdAt: iso(l.created_at), modelName: l.model_name, quota: l.quota } })) },
        tasks: tasks.map((t) => ({ taskId: t.task_id, status: TASK_STATUS.has(t.status) ? t.status : 'UNKNOWN', progress: progress(t.progress) })),
      };
    },
};

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function answer(req, res, raw) {
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return send(res, 400, { errors: [{ message: 'body is not JSON' }] });
  }
  const run = typeof body?.query === 'string' ? DOCUMENTS[body.query.replace(/\s+/g, ' ').trim()] : undefined;
  if (!run) return send(res, 400, { errors: [{ message: "not one of the bench's documents (this server has no GraphQL)" }] });
  try {
    send(res, 200, { data: await run(req.headers.authorization, body.variables) });
  } catch (error) {
    const status = error instanceof Failure ? error.status : 502;
    send(res, status, { errors: [{ message: error.message, extensions: { code: error.code ?? 'UPSTREAM' } }], data: null });
  }
}

createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'POST /graphql only' }] });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => void answer(req, res, Buffer.concat(chunks).toString('utf8')));
}).listen(PORT, HOST, () => console.log(`node-floor peer on http://${HOST}:${PORT}/graphql -> ${UPSTREAM.href}`));

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
