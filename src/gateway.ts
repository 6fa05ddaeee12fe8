/**
 * createGateway(options) -> a graphql-yoga instance. It never listens: src/http/server.ts wraps it in
 * node:http (most tests go through it, test/helpers.ts); `gateway.fetch(request)` answers without
 * a socket (test/tenants.test.ts). Upstream failures become GraphQL errors with
 * `extensions.code` here, in one place.
 */
import { setMaxListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GraphQLError, NoSchemaIntrospectionCustomRule, getOperationAST, parse } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { createResponseCache, type CacheOptions, type ResponseCache } from './plugins/response-cache.js';
import { maskError } from './plugins/mask-error.js';
import { createContext, type Context, type Settings } from './context.js';
import { yogaLogger, type Logger } from './observability/logger.js';
import { auditKeyWrites } from './observability/audit.js';
import { useCsrfPrevention } from './plugins/csrf.js';
import { Metrics } from './observability/metrics.js';
import { createTelemetry, type Telemetry } from './plugins/telemetry.js';
import { loadTrustedDocuments, requireDocuments, useTrustedDocuments } from './plugins/trusted-documents.js';
import { DEFAULT_LIMITS, limitPlugins, type Limits } from './plugins/limits.js';
import { LocalCoordinator, type Coordinator } from './live/coordinator.js';
import { DEFAULT_LIVE, LiveHub, type LiveOptions } from './live/hub.js';
import { Deadlines } from './upstream/deadlines.js';
import { credentialOf, requestCredentials, toCredential, type Credential } from './upstream/credential.js';
import { DEFAULT_HTTP_OPTIONS, UpstreamHttp, type HttpOptions } from './upstream/http.js';
import { PagePool } from './usage/page-pool.js';
import { schema, withoutMutations } from './schema/index.js';
import { MAX_FIRST } from './queries/log-connection.js';

export interface GatewayOptions extends Partial<Settings> {
  /** the upstream base URL */
  upstream: string;
  /** server-side access key, used when a request sends no Authorization header */
  accessKey?: string;
  /** deadline for the upstream calls of one GraphQL request */
  requestTimeoutMs?: number;
  http?: Partial<Omit<HttpOptions, 'baseUrl'>>;
  graphiql?: boolean;
  /** query depth/aliases/tokens/cost, batch and body size (src/plugins/limits.ts) */
  limits?: Partial<Limits>;
  /** answer introspection queries (GraphiQL needs them); default true */
  introspection?: boolean;
  /** browser origins allowed to call the gateway cross-origin; default none */
  corsOrigins?: string[];
  /** the response cache: `{}` in memory, `{ redisUrl }` in Redis; off without it (the CLI turns it on) */
  cache?: CacheOptions | false;
  /** Prometheus metrics (`gateway.metrics`, served at /metrics); default true */
  metrics?: boolean;
  /** one line per GraphQL request and yoga's own messages; none without it */
  logger?: Logger;
  /** path of a trusted-documents manifest: only its documents run */
  trustedDocuments?: string;
  /** serve the schema without Mutation: no key can be changed through this gateway */
  readOnly?: boolean;
  /** register the documents of the /dashboard page (src/http/dashboard.ts serves the page) */
  dashboard?: boolean;
  /** subscriptions: poll interval bounds and how many may be open (src/live/hub.ts) */
  live?: Partial<LiveOptions>;
  /** who polls and how events reach subscribers: in this process by default; the Redis one shares pollers across instances */
  coordinator?: Coordinator;
  /** WebSocket keep-alive ping interval (SSE streams get yoga's own comment line every 12 s) */
  heartbeatMs?: number;
  /** answer plain JSON operations without yoga's HTTP layer (src/http/fast-path.ts); default true */
  fastPath?: boolean;
}

/** What the dashboard page is told about this gateway (src/http/dashboard.ts serves it as config.json). */
export interface DashboardInfo {
  /** operation name -> `sha256:<hex>` of each of the page's documents */
  documents: Record<string, string>;
  /** the server has no access key of its own: the page must ask its user for one */
  accessKeyRequired: boolean;
  readOnly: boolean;
}

/**
 * What the HTTP routes beside /graphql (src/http/export.ts) share with it: the same credential
 * rule, deadline, upstream client and settings, so a CSV export answers as GraphQL would.
 */
export interface RequestSupport {
  /** the request's credential: its Authorization header, else the server's own key (src/upstream/credential.ts) */
  credential(authorization: string | null): Credential | null;
  /** whether `credential` (from `credential()`) is the server's own key: no key was sent */
  usesServerKey(credential: Credential | null): boolean;
  /** a Context whose upstream calls stop at the request deadline or when `signal` aborts */
  context(credential: Credential | null, signal: AbortSignal): Context;
  logger: Logger | null;
}

export type Gateway = YogaServerInstance<Record<string, never>, Context> & {
  upstream: UpstreamHttp;
  /** the threads of usage scans (src/usage/page-pool.ts); ended by dispose */
  usagePool: PagePool;
  limits: Limits;
  metrics: Metrics | null;
  /** the subscriptions' pollers; src/http/server.ts ends their streams on shutdown */
  live: LiveHub;
  heartbeatMs: number;
  /** the trusted-documents manifest, for the WebSocket transport (src/http/websocket.ts) */
  trustedDocuments: Map<string, string> | null;
  /** browser origins allowed cross-origin, for the WebSocket transport too */
  corsOrigins: string[];
  /** the /dashboard page's documents and settings; null without --dashboard */
  dashboard: DashboardInfo | null;
  /** for the CSV exports (src/http/export.ts) */
  requests: RequestSupport;
  /** what src/http/fast-path.ts needs beside yoga's envelop; null when every request must pass yoga's HTTP hooks */
  fastPath: {
    track: Telemetry['track'];
    maskError: (error: unknown) => GraphQLError;
    /** the response cache's answer before parsing, as its yoga hook gives it; null without a cache */
    cachedAnswer: ResponseCache['answer'] | null;
    /** requests it answered */
    served: number;
  } | null;
};

export const DEFAULT_SETTINGS: Settings = { revealSecrets: false, maxFirst: MAX_FIRST, logPageConcurrency: 4 };
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_HEARTBEAT_MS = 12_000;

export function createGateway(options: GatewayOptions): Gateway {
  const http = new UpstreamHttp({ ...DEFAULT_HTTP_OPTIONS, ...options.http, baseUrl: options.upstream });
  const settings: Settings = {
    revealSecrets: options.revealSecrets ?? DEFAULT_SETTINGS.revealSecrets,
    maxFirst: options.maxFirst ?? DEFAULT_SETTINGS.maxFirst,
    logPageConcurrency: options.logPageConcurrency ?? DEFAULT_SETTINGS.logPageConcurrency,
  };
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const deadlines = new Deadlines(timeoutMs);
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger?.child({ component: 'gateway' });
  const metrics = options.metrics === false ? null : new Metrics(http);
  if (logger) auditKeyWrites(http, logger);
  const dashboardDocuments = options.dashboard ? loadTrustedDocuments(DASHBOARD_DOCUMENTS) : null;
  const trustedDocuments = options.trustedDocuments ? loadTrustedDocuments(options.trustedDocuments) : null;
  const trusted = trustedDocumentsPlugin(options.trustedDocuments, trustedDocuments, dashboardDocuments);
  const live = new LiveHub(options.coordinator ?? new LocalCoordinator(), { ...DEFAULT_LIVE, ...options.live });
  metrics?.watchLive(live);
  const telemetry = createTelemetry({ metrics, logger: logger ?? null });
  // usage scans parse and aggregate their pages in these threads, off the thread that serves everyone
  const usagePool = new PagePool();
  // The credential of a request, parsed and hashed once: the cache's key and the context both ask.
  // the server's own key, hashed once; `credentialOf` hands back this very object when no key is sent
  const serverCredential = options.accessKey ? toCredential(options.accessKey) : null;
  const requestCredential = requestCredentials(serverCredential);
  const cache =
    !options.cache
      ? null
      : createResponseCache(
          options.cache ?? {},
          requestCredential,
          `${http.options.baseUrl} reveal=${settings.revealSecrets}`,
          (error) => logger?.warn({ err: error }, 'response cache unavailable (Redis); answering uncached'),
        );

  const csrf = useCsrfPrevention();
  const plugins: Plugin[] = [
    csrf,
    ...(options.introspection === false ? [refuseIntrospection] : []),
    ...limitPlugins(limits),
    // Trusted documents first (they set the query), then the record of the request, then the
    // cache, whose hits end the request early but still pass through the record's hooks.
    ...(trusted ? [trusted] : []),
    // Compiled execution (graphql-jit, cached per document): 1.3x to 3x the throughput of
    // graphql-js here, most on lists (docs/benchmarks.md). Queries only: anything else is
    // refused by graphql-js with its own clear error. Before the cache, which wraps it.
    useGraphQlJit({}, { enableIf: ({ document, operationName }) => getOperationAST(document, operationName)?.operation === 'query' }) as Plugin,
    telemetry.plugin as Plugin,
    ...(cache ? [cache.http, ...cache.plugins] : []),
    { onDispose: () => cache?.close() },
    // Streams end before the coordinator goes: their pollers release their leases first.
    { onDispose: () => (live.close(), live.coordinator.close()) },
    { onDispose: () => http.close() },
    { onDispose: () => usagePool.close() },
  ];
  // src/http/fast-path.ts runs envelop's hooks, not yoga's HTTP-level ones: it serves only when no
  // plugin needs those but these, which it reproduces (telemetry; the cache's answer before parsing,
  // and it leaves If-None-Match to yoga) or which have nothing to do on what it serves (CSRF: a JSON
  // POST is preflighted; the dashboard's documents: sent by hash only).
  const fastPathKnows = new Set<Plugin>([csrf, telemetry.plugin as Plugin, ...(cache ? [cache.http] : []), ...(trusted && !options.trustedDocuments ? [trusted] : [])]);
  const fastPath = options.fastPath !== false && plugins.every((plugin) => fastPathKnows.has(plugin) || !HTTP_HOOKS.some((hook) => hook in plugin));

  const yoga = createYoga<Record<string, never>, Context>({
    schema: options.readOnly ? withoutMutations(schema) : schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: logger ? yogaLogger(logger) : false,
    context: ({ request }) => {
      // The deadline alone: listening to request.signal as well (a client that leaves) cost a third
      // of the CPU of a typical request (whatwg-node's per-request signal plus AbortSignal.any).
      const deadline = deadlines.next();
      return createContext(http, live, usagePool, requestCredential(request), settings, deadline.signal, deadline.at);
    },
    maskedErrors: { maskError },
    graphiql: options.graphiql === false ? false : () => ({ title: 'YEScale GraphQL', defaultTabs: exampleTabs() }),
    // The offline GraphiQL bundle weighs ~45 MB of memory: loaded on the first page view, not at start.
    renderGraphiQL: async (graphiqlOptions) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    batching: limits.maxBatch > 0 ? { limit: limits.maxBatch } : false,
    // server.ts refuses bodies over limits.maxRequestBytes before yoga sees them; yoga's own check
    // piped every body through a TransformStream (an AbortSignal and a DOMException per request).
    maxRequestBodySize: false,
    // No CORS headers unless origins are configured: a page elsewhere cannot read answers
    // made with the server-side access key.
    cors: options.corsOrigins?.length ? { origin: options.corsOrigins, credentials: false } : false,
    plugins,
  });
  const dashboard = dashboardDocuments && { documents: operationNames(dashboardDocuments), accessKeyRequired: !options.accessKey, readOnly: options.readOnly ?? false };
  const requests: RequestSupport = {
    credential: (authorization) => credentialOf(authorization, serverCredential),
    usesServerKey: (credential) => credential !== null && credential === serverCredential,
    context: (credential, signal) => {
      // an export is long and rare: its own deadline, and it stops when the client leaves
      const deadline = AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]);
      setMaxListeners(0, deadline);
      return createContext(http, live, usagePool, credential, settings, deadline, Date.now() + timeoutMs);
    },
    logger: logger ?? null,
  };
  return Object.assign(yoga, {
    upstream: http,
    usagePool,
    limits,
    metrics,
    live,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    trustedDocuments,
    corsOrigins: options.corsOrigins ?? [],
    dashboard,
    requests,
    fastPath: fastPath ? { track: telemetry.track, maskError: logged(maskError, logger), cachedAnswer: cache?.answer ?? null, served: 0 } : null,
  });
}

/**
 * yoga's own hooks around the HTTP request (envelop's are parse, validate, context, execute), and
 * onPluginInit, with which a plugin may add others (the response cache does). yoga's own options that
 * act per HTTP request (CORS) are left to yoga by the fast path's rules (an Origin header).
 */
const HTTP_HOOKS = ['onRequest', 'onRequestParse', 'onParams', 'onExecutionResult', 'onResultProcess', 'onResponse', 'onPluginInit', 'instrumentation'];

/** `mask` that also logs what it hid, as yoga does for errors thrown outside the result. */
function logged(mask: (error: unknown) => GraphQLError, logger: Logger | undefined): (error: unknown) => GraphQLError {
  return (error) => {
    const masked = mask(error);
    if (masked.extensions.code === 'INTERNAL_SERVER_ERROR') logger?.error({ err: error }, 'unexpected error, masked');
    return masked;
  };
}

/** Introspection refused at validation: an envelop hook, so the fast path runs it too (yoga's plugin decides per HTTP request). */
const refuseIntrospection: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };

const DASHBOARD_DOCUMENTS = fileURLToPath(new URL('../dashboard/gql/persisted-documents.json', import.meta.url));

/**
 * An operator's manifest alone: only its documents run. The dashboard's documents alone: they run
 * by hash beside any query text. Both: the manifest must hold the dashboard's documents.
 */
function trustedDocumentsPlugin(manifestPath: string | undefined, manifest: Map<string, string> | null, dashboardDocuments: Map<string, string> | null) {
  if (!manifestPath || !manifest) return dashboardDocuments && useTrustedDocuments(dashboardDocuments, false);
  if (dashboardDocuments) requireDocuments(manifest, dashboardDocuments, manifestPath);
  return useTrustedDocuments(manifest);
}

function operationNames(documents: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...documents].map(([hash, text]) => [getOperationAST(parse(text))?.name?.value, `sha256:${hash}`]));
}

const OPERATIONS_DIR = new URL('../schema/operations/', import.meta.url);

/** GraphiQL opens with the example operations of schema/operations/, one tab each. */
function exampleTabs(): { query: string }[] {
  try {
    return readdirSync(OPERATIONS_DIR)
      .filter((name) => name.endsWith('.graphql'))
      .sort()
      .map((name) => ({ query: readFileSync(new URL(name, OPERATIONS_DIR), 'utf8') }));
  } catch {
    return [];
  }
}
