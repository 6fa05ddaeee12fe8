// @ts-check
/**
 * The page's GraphQL client: each of its documents sent by hash (the gateway knows them from
 * dashboard/gql/persisted-documents.json), to this origin only (relative URLs). The access key, when
 * the server has none of its own, lives in this tab's sessionStorage and nowhere else.
 */

/** @import * as G from './gql/graphql.js' */
/**
 * The documents of schema/operations/ the page uses: [result, variables].
 * @typedef {{
 *   DashboardUsage: [G.DashboardUsageQuery, G.DashboardUsageQueryVariables],
 *   DashboardApiKeys: [G.DashboardApiKeysQuery, G.DashboardApiKeysQueryVariables],
 *   DashboardTasks: [G.DashboardTasksQuery, G.DashboardTasksQueryVariables],
 *   SetApiKeyQuota: [G.SetApiKeyQuotaMutation, G.SetApiKeyQuotaMutationVariables],
 *   DeleteApiKey: [G.DeleteApiKeyMutation, G.DeleteApiKeyMutationVariables],
 *   WatchTask: [G.WatchTaskSubscription, G.WatchTaskSubscriptionVariables],
 * }} Operations
 */
/** @typedef {{ documents: Record<string, string>, accessKeyRequired: boolean, readOnly: boolean }} Config */
/** @typedef {{ message: string, extensions?: { code?: string } }} ResponseError */

const KEY_ITEM = 'yescale-access-key';

export class RequestError extends Error {
  constructor(/** @type {ResponseError[]} */ errors) {
    super(errors.map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message)).join('; '));
    this.codes = errors.map((e) => e.extensions?.code);
  }
}

/** @returns {Promise<Config>} */
export async function loadConfig() {
  const res = await fetch('/dashboard/config.json');
  if (!res.ok) throw new Error(`/dashboard/config.json: HTTP ${res.status}`);
  return res.json();
}

export const accessKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (/** @type {string} */ key) => sessionStorage.setItem(KEY_ITEM, key.trim()),
  forget: () => sessionStorage.removeItem(KEY_ITEM),
};

/** @param {Config} config */
function headers(config, accept = 'application/graphql-response+json, application/json') {
  /** @type {Record<string, string>} */
  const sent = { 'content-type': 'application/json', accept };
  const key = config.accessKeyRequired ? accessKey.get() : null;
  if (key) sent.authorization = `Bearer ${key}`;
  return sent;
}

/** @param {Config} config @param {string} name @param {unknown} variables */
function body(config, name, variables) {
  const sha256Hash = config.documents[name];
  if (!sha256Hash) throw new Error(`The gateway did not register the dashboard document ${name}`);
  return JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash } } });
}

/**
 * Run one of the page's documents.
 * @template {keyof Operations} N
 * @param {Config} config @param {N} name @param {Operations[N][1]} variables
 * @returns {Promise<Operations[N][0]>}
 */
export async function run(config, name, variables) {
  const res = await fetch('/graphql', { method: 'POST', headers: headers(config), body: body(config, name, variables) });
  /** @type {{ data?: Operations[N][0] | null, errors?: ResponseError[] }} */
  let result;
  try {
    result = await res.json();
  } catch {
    throw new RequestError([{ message: `the gateway answered HTTP ${res.status} without JSON` }]);
  }
  if (result.errors?.length) throw new RequestError(result.errors);
  if (!result.data) throw new RequestError([{ message: `the gateway answered HTTP ${res.status} without data` }]);
  return result.data;
}

/**
 * Follow one of the page's subscriptions over yoga's server-sent events (one POST per stream, the
 * key in its header as for queries); each `next` event's data, until `complete` or `signal`.
 * @template {keyof Operations} N
 * @param {Config} config @param {N} name @param {Operations[N][1]} variables @param {AbortSignal} signal
 * @returns {AsyncGenerator<Operations[N][0]>}
 */
export async function* subscribe(config, name, variables, signal) {
  const res = await fetch('/graphql', { method: 'POST', headers: headers(config, 'text/event-stream'), body: body(config, name, variables), signal });
  if (!res.ok || !res.body) throw new RequestError([{ message: `the gateway answered HTTP ${res.status} to the subscription ${name}` }]);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      if (lines.some((line) => line === 'event: complete')) return;
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
      if (!data) continue; // a keep-alive comment
      /** @type {{ data?: Operations[N][0] | null, errors?: ResponseError[] }} */
      const result = JSON.parse(data);
      if (result.errors?.length) throw new RequestError(result.errors);
      if (result.data) yield result.data;
    }
  }
}

/**
 * Save `url` (a CSV export of this origin) as `filename`. Fetched rather than followed as a link:
 * the exports want the key, or on the server's key a CSRF header, and a link sends neither.
 * @param {Config} config @param {string} url @param {string} filename
 */
export async function download(config, url, filename) {
  const res = await fetch(url, { headers: { ...headers(config, 'text/csv'), 'x-graphql-yoga-csrf': 'dashboard' } });
  if (!res.ok) {
    /** @type {{ errors?: ResponseError[] }} */
    const body = await res.json().catch(() => ({}));
    throw new RequestError(body.errors ?? [{ message: `${url.split('?')[0]}: HTTP ${res.status}` }]);
  }
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(await res.blob()), download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
