/**
 * Usage figures of log entries, grouped by any combination of dimensions, read straight from
 * the upstream's wire objects: a scan of a million entries must cost little more than parsing
 * them, so nothing here builds a record per entry, and only the groups are kept.
 * Entries come from a page's bytes (page-scan.ts, `addEntry`) or, for a page the scanner declines,
 * from JSON.parse of its latin1 text (page.ts); either way strings are latin1 readings of UTF-8:
 * names are compared in that form and turned into real text once per group.
 */
import { fromLatin1, toLatin1 } from '../upstream/json.js';
import { Bucketer } from './time-zone.js';

export const USAGE_DIMENSIONS = ['MODEL', 'API_KEY', 'DAY', 'HOUR', 'LOG_TYPE'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageFigures {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheTokens: number;
  /** spend: credits of the CONSUME (2) entries only */
  quota: number;
  /** credits given back: the REFUND (6) entries (new-api since 2025-10; YEScale-era refunds are SYSTEM text without quota) */
  refundQuota: number;
  /** sum and count of `other.frt` over the entries that carry it */
  firstResponseMsSum: number;
  firstResponseCount: number;
}

/** A group's key values are null unless grouped by that dimension. */
export interface UsageGroupRecord extends UsageFigures {
  model: string | null;
  tokenName: string | null;
  day: string | null;
  /** unix seconds of the start of the local hour */
  hour: number | null;
  /** the wire log type, 0..6 */
  logType: number | null;
}

export interface UsageReportRecord {
  totals: UsageFigures;
  groups: UsageGroupRecord[];
  timeZone: string;
  /** more distinct groups than allowed: groups are incomplete, totals are not */
  overflow: boolean;
}

export interface AggregatorOptions {
  groupBy: readonly UsageDimension[];
  timeZone: string;
  /** count only entries of this API key name (a scan shared by several keys) */
  tokenName?: string;
  /**
   * count only entries of exactly this model name: the upstream's LIKE can match near names too
   * (a raw `_` is a one-character wildcard on YEScale-era builds, see log-range.ts loadExactModelRange)
   */
  modelName?: string;
  maxGroups: number;
}

const emptyFigures = (): UsageFigures => ({
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheTokens: 0,
  quota: 0,
  refundQuota: 0,
  firstResponseMsSum: 0,
  firstResponseCount: 0,
});

/**
 * A group with no figures yet, written out as one literal: a group made by spreading
 * emptyFigures() into it took each tally about three times as long (about a quarter of a usage
 * page's scan, docs/benchmarks.md).
 */
const newGroup = (model: string | null, tokenName: string | null, day: string | null, hour: number | null, logType: number | null): UsageGroupRecord => ({
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheTokens: 0,
  quota: 0,
  refundQuota: 0,
  firstResponseMsSum: 0,
  firstResponseCount: 0,
  model,
  tokenName,
  day,
  hour,
  logType,
});

/** The upstream's numbers are JSON numbers; a numeric string is tolerated, anything else is 0. */
export const wireNumber = (v: unknown): number => (typeof v === 'number' ? (Number.isFinite(v) ? v : 0) : typeof v === 'string' ? Number(v) || 0 : 0);
/** A name as add() compares it: a string as it is, null and missing as '', anything else as String() writes it. */
export const wireText = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

const MARKERS = { cache_tokens: '"cache_tokens":', frt: '"frt":' } as const;

/**
 * A number-valued key of the `other` JSON string, without parsing it: `"frt":1234`. Inside a
 * JSON string a quote is escaped, so the marker only matches a key of the object itself.
 */
export function otherNumber(other: unknown, key: 'cache_tokens' | 'frt'): number | null {
  if (typeof other !== 'string') {
    const v = other !== null && typeof other === 'object' ? (other as Record<string, unknown>)[key] : undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  const marker = MARKERS[key];
  const at = other.indexOf(marker);
  if (at < 0) return null;
  let end = at + marker.length;
  while (other.charCodeAt(end) === 32) end++;
  const start = end;
  for (let c = other.charCodeAt(end); (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 43 || c === 101 || c === 69; c = other.charCodeAt(++end));
  const value = end > start ? Number(other.slice(start, end)) : Number.NaN;
  return Number.isFinite(value) ? value : null;
}

/** The fields of a log entry that an aggregator reads: names as read from the body (latin1), numbers by wireNumber. */
export interface EntryFields {
  tokenName: string;
  model: string;
  prompt: number;
  completion: number;
  type: number;
  /** the entry's `quota`, of whatever type */
  quota: number;
  createdAt: number;
  /** other.cache_tokens, 0 when absent */
  cache: number;
  /** other.frt, null when absent */
  frt: number | null;
}

export const newEntryFields = (): EntryFields => ({ tokenName: '', model: '', prompt: 0, completion: 0, type: 0, quota: 0, createdAt: 0, cache: 0, frt: null });

/** An entry's figures kept inside `other` (a JSON string upstream, or already an object). */
export function readOther(entry: EntryFields, other: unknown): void {
  entry.cache = otherNumber(other, 'cache_tokens') ?? 0;
  entry.frt = otherNumber(other, 'frt');
}

/** What one aggregator counted (UsageAggregator.part), to be merged into another. */
export interface UsagePart {
  totals: UsageFigures;
  /** in the order they first appeared */
  groups: UsageGroupRecord[];
  /** each group's tree keys: its grouped values as read from the body (latin1 names) */
  keys: (string | number)[][];
  overflow: boolean;
}

/** A tree of Maps, one level per dimension: no key string is built per entry. */
type GroupTree = Map<string | number, GroupTree | UsageGroupRecord>;

export class UsageAggregator {
  private readonly totals = emptyFigures();
  private readonly tree: GroupTree = new Map();
  private readonly groups: UsageGroupRecord[] = [];
  private readonly bucketer: Bucketer | null;
  private readonly groupBy: readonly UsageDimension[];
  /** options.tokenName as it appears in a latin1-read entry */
  private readonly onlyToken: string | undefined;
  /** options.modelName as it appears in a latin1-read entry */
  private readonly onlyModel: string | undefined;
  private overflow = false;
  /** the tree keys of each of `groups`, for part() */
  private readonly groupKeys: (string | number)[][] = [];
  /** the tree level where group() found (or did not find) the last group */
  private node: GroupTree = this.tree;
  /** reused by add(): the keys of the entry at hand */
  private readonly keys: (string | number)[] = [];
  /** reused by add(): the entry at hand */
  private readonly entry = newEntryFields();

  constructor(private readonly options: AggregatorOptions) {
    this.groupBy = [...new Set(options.groupBy)];
    this.onlyToken = options.tokenName === undefined ? undefined : toLatin1(options.tokenName);
    this.onlyModel = options.modelName === undefined ? undefined : toLatin1(options.modelName);
    this.bucketer = this.groupBy.includes('DAY') || this.groupBy.includes('HOUR') ? new Bucketer(options.timeZone) : null;
  }

  /** One wire entry (a log object as JSON.parse of the latin1 text makes it). */
  add(raw: Record<string, unknown>): void {
    const entry = this.entry;
    entry.tokenName = wireText(raw.token_name);
    entry.model = wireText(raw.model_name);
    entry.prompt = wireNumber(raw.prompt_tokens);
    entry.completion = wireNumber(raw.completion_tokens);
    entry.type = wireNumber(raw.type);
    entry.quota = wireNumber(raw.quota);
    entry.createdAt = wireNumber(raw.created_at);
    readOther(entry, raw.other);
    this.addEntry(entry);
  }

  /**
   * One entry's fields, read as add() reads them (the byte scanner, page-scan.ts, reads them so
   * straight from the text, once for every aggregator of the page).
   */
  addEntry({ tokenName, model, prompt, completion, type, quota: credits, createdAt, cache, frt }: EntryFields): void {
    if (this.onlyToken !== undefined && tokenName !== this.onlyToken) return;
    if (this.onlyModel !== undefined && model !== this.onlyModel) return;
    // spend and refunds side by side, never mixed: other types' quota (top-ups, admin changes) is neither
    const quota = type === 2 ? credits : 0;
    const refund = type === 6 ? credits : 0;
    tally(this.totals, prompt, completion, cache, quota, refund, frt);
    const depth = this.groupBy.length;
    if (depth === 0) return;

    const bucket = this.bucketer?.at(createdAt);
    const keys = this.keys;
    for (let i = 0; i < depth; i++) {
      const dimension = this.groupBy[i];
      keys[i] =
        dimension === 'MODEL' ? model
        : dimension === 'API_KEY' ? tokenName
        : dimension === 'DAY' ? bucket!.day
        : dimension === 'HOUR' ? bucket!.hour
        : type;
    }
    let group: UsageGroupRecord | null | undefined = this.group(keys);
    if (group === undefined) {
      const has = (d: UsageDimension) => this.groupBy.includes(d);
      group = this.insert(
        keys,
        newGroup(
          has('MODEL') ? fromLatin1(model) : null,
          has('API_KEY') ? fromLatin1(tokenName) : null,
          has('DAY') ? bucket!.day : null,
          has('HOUR') ? bucket!.hour : null,
          has('LOG_TYPE') ? (Number.isInteger(type) && type >= 0 && type <= 6 ? type : 0) : null,
        ),
      );
    }
    if (group) tally(group, prompt, completion, cache, quota, refund, frt);
  }

  /**
   * The group under `keys` (one value per grouped dimension, names as read from the body), or
   * undefined. No key string is built: a tree of Maps, one level per dimension; `node` is left at
   * the leaf's level for insert().
   */
  private group(keys: readonly (string | number)[]): UsageGroupRecord | undefined {
    const depth = this.groupBy.length;
    let node = this.tree;
    for (let i = 0; i < depth - 1; i++) {
      let next = node.get(keys[i]) as GroupTree | undefined;
      if (!next) node.set(keys[i], (next = new Map()));
      node = next;
    }
    this.node = node;
    return node.get(keys[depth - 1]) as UsageGroupRecord | undefined;
  }

  /** A new group under the `keys` just looked up with group(); null past maxGroups. */
  private insert(keys: readonly (string | number)[], group: UsageGroupRecord): UsageGroupRecord | null {
    if (this.groups.length >= this.options.maxGroups) {
      this.overflow = true;
      return null;
    }
    this.node.set(keys[this.groupBy.length - 1], group);
    this.groups.push(group);
    this.groupKeys.push(keys.slice(0, this.groupBy.length));
    return group;
  }

  /**
   * What this aggregator counted, groups in the order they first appeared, for `merge`: a page
   * aggregated apart (a worker thread, usage/page-worker.ts) and merged in page order gives
   * the very groups, and the very overflow, of adding its entries here one by one.
   */
  part(): UsagePart {
    return { totals: this.totals, groups: this.groups, keys: this.groupKeys, overflow: this.overflow };
  }

  /**
   * Adds the figures of a `part()` of an aggregator with the same options. Sums are taken per page,
   * then added: the same as entry by entry for integers below 2^53 (quota and tokens are integers
   * upstream), possibly not in the last bits for fractional ones.
   */
  merge(part: UsagePart): void {
    add(this.totals, part.totals);
    if (part.overflow) this.overflow = true;
    part.groups.forEach((from, i) => {
      const group = this.group(part.keys[i]) ?? this.insert(part.keys[i], newGroup(from.model, from.tokenName, from.day, from.hour, from.logType));
      if (group) add(group, from);
    });
  }

  /** Groups sorted by the grouped dimensions in order: times ascending, names alphabetically. */
  report(): UsageReportRecord {
    const groups = [...this.groups].sort((a, b) => {
      for (const dimension of this.groupBy) {
        const order = compare(a, b, dimension);
        if (order !== 0) return order;
      }
      return 0;
    });
    return { totals: { ...this.totals }, groups, timeZone: this.options.timeZone, overflow: this.overflow };
  }
}

function tally(f: UsageFigures, prompt: number, completion: number, cache: number, quota: number, refund: number, frt: number | null): void {
  f.requests++;
  f.promptTokens += prompt;
  f.completionTokens += completion;
  f.cacheTokens += cache;
  f.quota += quota;
  f.refundQuota += refund;
  if (frt !== null) {
    f.firstResponseMsSum += frt;
    f.firstResponseCount++;
  }
}

function add(into: UsageFigures, from: UsageFigures): void {
  into.requests += from.requests;
  into.promptTokens += from.promptTokens;
  into.completionTokens += from.completionTokens;
  into.cacheTokens += from.cacheTokens;
  into.quota += from.quota;
  into.refundQuota += from.refundQuota;
  into.firstResponseMsSum += from.firstResponseMsSum;
  into.firstResponseCount += from.firstResponseCount;
}

function compare(a: UsageGroupRecord, b: UsageGroupRecord, dimension: UsageDimension): number {
  const [x, y] =
    dimension === 'MODEL' ? [a.model, b.model]
    : dimension === 'API_KEY' ? [a.tokenName, b.tokenName]
    : dimension === 'DAY' ? [a.day, b.day]
    : dimension === 'HOUR' ? [a.hour, b.hour]
    : [a.logType, b.logType];
  return x! < y! ? -1 : x! > y! ? 1 : 0;
}
