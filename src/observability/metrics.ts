/**
 * Prometheus metrics of one gateway (GET /metrics): GraphQL operations, upstream calls, the
 * response cache, the upstream circuit and open subscriptions. Each gateway has its own registry (tests run several in
 * one process); the process metrics (CPU, memory, event loop) live in one registry per process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallListener, UpstreamHttp } from '../upstream/http.js';
import { KEY_WRITE_PATHS } from '../upstream/wire.js';

/** Distinct operation names kept as labels; later ones are counted as "other" (label cardinality). */
const MAX_OPERATION_LABELS = 200;
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

let processRegistry: Registry | undefined;

export interface OperationOutcome {
  /** the operation name, null for an anonymous one */
  operation: string | null;
  ms: number;
  /** extensions.code of each error of the answer */
  errorCodes: string[];
  /** whether the response cache answered it, when it was asked */
  cache?: 'hit' | 'miss';
}

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  /** by operation label: as many as operationLabel allows */
  private readonly seriesByOperation = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'operation'> }>();
  /** by `<endpoint> <status>` */
  private readonly seriesByCall = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'endpoint'> }>();
  private readonly operations = new Counter({ name: 'graphql_operations_total', help: 'GraphQL operations answered', labelNames: ['operation'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time from request to answer of a GraphQL operation',
    labelNames: ['operation'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly errors = new Counter({ name: 'graphql_errors_total', help: 'GraphQL errors in answers, by extensions.code', labelNames: ['operation', 'code'], registers: [this.registry] });
  private readonly cacheHits = new Counter({ name: 'graphql_response_cache_hits_total', help: 'Operations answered from the response cache', registers: [this.registry] });
  private readonly cacheMisses = new Counter({ name: 'graphql_response_cache_misses_total', help: 'Operations the response cache could not answer', registers: [this.registry] });
  private readonly upstreamCalls = new Counter({
    name: 'upstream_calls_total',
    help: 'Calls to the YEScale API by endpoint and HTTP status ("none": no answer: network error, timeout, open circuit)',
    labelNames: ['endpoint', 'status'],
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'upstream_call_duration_seconds',
    help: 'Latency of calls to the YEScale API',
    labelNames: ['endpoint'],
    buckets: SECONDS,
    registers: [this.registry],
  });

  private readonly keyMutations = new Counter({
    name: 'graphql_key_mutations_total',
    help: 'Key writes sent upstream, by mutation and outcome ("ok" or the error code)',
    labelNames: ['mutation', 'outcome'],
    registers: [this.registry],
  });

  private readonly exports = new Counter({
    name: 'csv_exports_total',
    help: 'CSV exports answered, by endpoint and outcome ("ok" or the error code)',
    labelNames: ['endpoint', 'outcome'],
    registers: [this.registry],
  });
  private readonly exportRows = new Counter({ name: 'csv_export_rows_total', help: 'Rows written by CSV exports', labelNames: ['endpoint'], registers: [this.registry] });
  private readonly exportDuration = new Histogram({
    name: 'csv_export_duration_seconds',
    help: 'Time from request to the last byte of a CSV export',
    labelNames: ['endpoint'],
    buckets: SECONDS,
    registers: [this.registry],
  });

  constructor(http: UpstreamHttp) {
    new Gauge({
      name: 'upstream_circuit_state',
      help: 'The upstream circuit breaker: 1 for its current state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const now = http.circuit();
        for (const state of CIRCUIT_STATES) this.set({ state }, state === now ? 1 : 0);
      },
    });
    http.onCall((call) => this.upstream(call));
  }

  /** Open subscriptions and running pollers (src/live/hub.ts), read at each scrape. */
  watchLive(live: { readonly size: number; readonly pollerCount: number }): void {
    new Gauge({
      name: 'graphql_subscriptions_open',
      help: 'Subscriptions open on this instance',
      registers: [this.registry],
      collect() {
        this.set(live.size);
      },
    });
    new Gauge({
      name: 'live_pollers',
      help: 'Keys (credential + query) this instance has subscribers of, one poller each',
      registers: [this.registry],
      collect() {
        this.set(live.pollerCount);
      },
    });
  }

  operation({ operation, ms, errorCodes, cache }: OperationOutcome): void {
    const label = this.operationLabel(operation);
    const series = kept(this.seriesByOperation, label, () => ({ count: this.operations.labels(label), duration: this.duration.labels(label) }));
    series.count.inc();
    series.duration.observe(ms / 1000);
    for (const code of errorCodes) this.errors.inc({ operation: label, code });
    if (cache === 'hit') this.cacheHits.inc();
    if (cache === 'miss') this.cacheMisses.inc();
  }

  /** One CSV export (src/http/export.ts); `endpoint` is one of its two fixed paths. */
  csvExport({ endpoint, outcome, rows, ms }: { endpoint: string; outcome: string; rows: number; ms: number }): void {
    this.exports.inc({ endpoint, outcome });
    this.exportRows.inc({ endpoint }, rows);
    this.exportDuration.observe({ endpoint }, ms / 1000);
  }

  /** The exposition text: this gateway's metrics, then the process's. */
  async render(): Promise<string> {
    processRegistry ??= createProcessRegistry();
    return (await this.registry.metrics()) + (await processRegistry.metrics());
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  private upstream: CallListener = (call) => {
    const write = keyWriteOf(call.path);
    // a write's path ends in the key id: one label per endpoint, not per key
    const endpoint = write ? call.path.replace(/\/\d+$/, '/{id}') : call.path;
    const status = call.status === null ? 'none' : String(call.status);
    // a few endpoints, a few statuses each
    const series = kept(this.seriesByCall, `${endpoint} ${status}`, () => ({ count: this.upstreamCalls.labels(endpoint, status), duration: this.upstreamDuration.labels(endpoint) }));
    series.count.inc();
    series.duration.observe(call.ms / 1000);
    if (write) this.keyMutations.inc({ mutation: write.mutation, outcome: call.error?.kind ?? 'ok' });
  };

  private operationLabel(name: string | null): string {
    if (name === null) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

/**
 * The prom-client children of one label set, made once and kept in `series`. prom-client 15 still checks
 * and hashes a child's labels on every sample, but without the label object and closure of each call:
 * an inc 230 -> 193 ns, an observe 532 -> 251 ns (docs/benchmarks.md, "Round six: the GraphQL side").
 */
function kept<T>(series: Map<string, T>, key: string, make: () => T): T {
  let found = series.get(key);
  if (found === undefined) series.set(key, (found = make()));
  return found;
}

function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The mutation a key-write path belongs to, and the key id in it; null for reads. */
export function keyWriteOf(path: string): { mutation: 'deleteApiKey' | 'updateApiKeyQuota'; keyId: string } | null {
  if (path.startsWith(KEY_WRITE_PATHS.deleteKey)) return { mutation: 'deleteApiKey', keyId: path.slice(KEY_WRITE_PATHS.deleteKey.length) };
  if (path.startsWith(KEY_WRITE_PATHS.editQuota)) return { mutation: 'updateApiKeyQuota', keyId: path.slice(KEY_WRITE_PATHS.editQuota.length) };
  return null;
}
