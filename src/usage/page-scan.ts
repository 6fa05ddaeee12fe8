/**
 * A usage page read straight from its bytes: the entries' few aggregated fields are picked out
 * of the JSON text and nothing else is built, where JSON.parse made ~20 MB of objects per
 * 10,000-entry page (and the latin1 string before it) only for them to die after aggregation.
 *
 * Each entry's fields are handed to the aggregators as UsageAggregator.add reads them from the
 * object JSON.parse of the latin1 text would have made, so the figures cannot differ: strings are
 * their latin1 readings with escapes applied as JSON.parse applies them, numbers are JSON numbers,
 * both then taken as add() takes them (wireText, wireNumber). `other`'s cache_tokens and frt are
 * read from the escaped text as aggregate.ts's otherNumber reads the string (inside a JSON string
 * `\"` always stands for a quote, so `\"frt\":` in the text is `"frt":` in the string); an
 * `other` with `\u` escapes is decoded and read by otherNumber itself.
 *
 * The page must be the plain shape new-api sends (`{"success":true,"data":{"items":[{...}]...}}`
 * or `data` a list) and valid JSON; anything else (an error envelope, `data:null`, duplicate
 * `data`, a non-object entry, invalid JSON) answers null, and the caller reads the page with
 * JSON.parse, whose errors and results are the reference (page.ts).
 */
import { Buffer } from 'node:buffer';
import { newEntryFields, readOther, wireNumber, wireText, type UsageAggregator } from './aggregate.js';
import { BACKSLASH, CLOSE_LIST, CLOSE_OBJECT, COLON, COMMA, ESCAPE, JsonCursor, OPEN_LIST, OPEN_OBJECT, PLAIN, QUOTE, UNSURE, ws } from './json-cursor.js';

export interface ScannedPage {
  count: number;
  total: number | null;
  pageSize: number | null;
  newest: number;
  atNewest: number;
}

const FIELDS = ['token_name', 'model_name', 'prompt_tokens', 'completion_tokens', 'type', 'quota', 'created_at', 'other'] as const;
const FIELD_BYTES = FIELDS.map((name) => Buffer.from(name, 'latin1'));
const [TOKEN_NAME, MODEL_NAME, PROMPT_TOKENS, COMPLETION_TOKENS, TYPE, QUOTA, CREATED_AT, OTHER] = FIELDS.map((_, i) => i);
/** `"cache_tokens":` and `"frt":` as they appear inside the `other` string's JSON text */
const MARKERS = [Buffer.from('\\"cache_tokens\\":', 'latin1'), Buffer.from('\\"frt\\":', 'latin1')];
const CACHE_TOKENS = 0;
const FRT = 1;
/** keys of an entry remembered in order (readEntry): new-api's log entries have about 20 */
const SHAPE = 64;

/**
 * Adds the entries of the page in `bytes` (after the first `skip`) to `aggregators` and answers
 * what a walk needs of it, or null when the page is not one this scan reads (see above); the
 * aggregators may then hold part of the page and must be dropped.
 */
export function scanLogPage(bytes: Uint8Array, skip: number, aggregators: readonly UsageAggregator[]): ScannedPage | null {
  try {
    return new PageScan(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), skip, aggregators).page();
  } catch (error) {
    // a nesting deeper than the stack is as unsure as anything else
    if (error === UNSURE || error instanceof RangeError) return null;
    throw error;
  }
}

class PageScan extends JsonCursor {
  /** the entry at hand, as the aggregators take it */
  private readonly entry = newEntryFields();
  /** the entry's `created_at` as JSON.parse gives it, for the newest (yescale.ts newestOf) */
  private createdAt: unknown;
  /** the names read so far (name()), by a hash of their bytes */
  private readonly names = new Map<number, { start: number; end: number; text: string }>();
  /**
   * the keys of the entry before as written, `"key":` with its quotes and colon: the k-th at
   * keyAt[k], keyLength[k] bytes long (0: not remembered), FIELDS[keyField[k]] (or -1)
   */
  private readonly keyAt = new Int32Array(SHAPE);
  private readonly keyLength = new Int32Array(SHAPE);
  private readonly keyField = new Int32Array(SHAPE);
  private count = 0;
  private newest = 0;
  private atNewest = 0;

  constructor(
    b: Buffer,
    private readonly skip: number,
    private readonly aggregators: readonly UsageAggregator[],
  ) {
    super(b);
  }

  page(): ScannedPage {
    let success: unknown;
    let data = false;
    let total: number | null = null;
    let pageSize: number | null = null;
    this.open(OPEN_OBJECT);
    if (!this.close(CLOSE_OBJECT)) {
      do {
        const key = this.key();
        if (key === 'success') success = this.scalar();
        else if (key === 'data') {
          if (data) throw UNSURE;
          data = true;
          if (this.peek() === OPEN_LIST) this.items();
          else {
            let items = false;
            this.open(OPEN_OBJECT);
            if (!this.close(CLOSE_OBJECT)) {
              do {
                const field = this.key();
                if (field === 'items') {
                  if (items || this.peek() !== OPEN_LIST) throw UNSURE;
                  items = true;
                  this.items();
                } else if (field === 'total') total = this.numberOrNull();
                else if (field === 'page_size') pageSize = this.numberOrNull();
                else this.skipValue();
              } while (this.next(CLOSE_OBJECT));
            }
            if (!items) throw UNSURE;
          }
        } else this.skipValue();
      } while (this.next(CLOSE_OBJECT));
    }
    this.i = ws(this.b, this.i);
    if (this.i !== this.b.length || !data || (success !== undefined && success !== true)) throw UNSURE;
    return { count: this.count, total, pageSize, newest: this.newest, atNewest: this.atNewest };
  }

  /** The entries of a list, each to the aggregators, and the newest `created_at` as yescale.ts newestOf counts it. */
  private items(): void {
    this.open(OPEN_LIST);
    if (this.close(CLOSE_LIST)) return;
    do {
      if (this.peek() !== OPEN_OBJECT) throw UNSURE;
      this.readEntry();
      const at = Number(this.createdAt) || 0;
      if (at > this.newest) (this.newest = at), (this.atNewest = 0);
      if (at === this.newest) this.atNewest++;
      if (this.count++ >= this.skip) for (const aggregator of this.aggregators) aggregator.addEntry(this.entry);
    } while (this.next(CLOSE_LIST));
  }

  /** One entry: the fields of FIELDS read, every other value checked and skipped. The hot loop of the scan. */
  private readEntry(): void {
    const b = this.b;
    // what add() makes of a missing field
    const entry = this.entry;
    entry.tokenName = entry.model = '';
    entry.prompt = entry.completion = entry.type = entry.quota = entry.createdAt = entry.cache = 0;
    entry.frt = null;
    this.createdAt = undefined;
    let i = ws(b, this.i + 1);
    if (b[i] === CLOSE_OBJECT) {
      this.i = i + 1;
      return;
    }
    const { keyAt, keyLength, keyField } = this;
    for (let k = 0; ; k++) {
      if (b[i] !== QUOTE) throw UNSURE;
      let field: number;
      // new-api writes every entry's keys in the same order: the k-th key of the entry before, met again
      const length = k < SHAPE ? keyLength[k] : 0;
      if (length !== 0 && this.sameBytes(i, keyAt[k], length)) {
        field = keyField[k];
        i += length;
      } else {
        const at = i;
        const start = ++i;
        // a key is short and plain: its end found here, the general string reader only for an escape
        let end = start;
        while (PLAIN[b[end]] === 1) end++;
        const plain = b[end] === QUOTE;
        if (plain) field = fieldAt(b, start, end);
        else {
          end = this.stringEnd(start);
          field = this.escaped ? FIELDS.indexOf(this.decode(start, end) as (typeof FIELDS)[number]) : fieldAt(b, start, end);
        }
        if (k < SHAPE) {
          // remembered only as `"key":`, plain and whole, so that the same bytes are the same key
          keyAt[k] = at;
          keyLength[k] = plain && b[end + 1] === COLON ? end + 2 - at : 0;
          keyField[k] = field;
        }
        i = ws(b, end + 1);
        if (b[i] !== COLON) throw UNSURE;
        i++;
      }
      i = ws(b, i);
      this.i = i;
      if (field >= 0) this.readField(field);
      else {
        const c = b[i];
        if (c === QUOTE) this.i = this.stringEnd(i + 1) + 1;
        else if (c >= 49 && c <= 57) {
          // a plain integer, the usual skipped number (ids, counts): its digits; a fraction or an exponent read by skipValue
          let p = i + 1;
          while (b[p] >= 48 && b[p] <= 57) p++;
          if (b[p] === 46 || b[p] === 101 || b[p] === 69) this.skipValue();
          else this.i = p;
        } else this.skipValue();
      }
      i = ws(b, this.i);
      const c = b[i++];
      if (c === COMMA) {
        i = ws(b, i);
        continue;
      }
      if (c !== CLOSE_OBJECT) throw UNSURE;
      this.i = i;
      return;
    }
  }

  /** Whether the `length` bytes at `p` are those at `q` (before it), four at a time. */
  private sameBytes(p: number, q: number, length: number): boolean {
    const words = this.words;
    if (p + length > words.byteLength) return false;
    const last = length - 4;
    for (let k = 0; k < last; k += 4) if (words.getInt32(p + k, true) !== words.getInt32(q + k, true)) return false;
    return words.getInt32(p + last, true) === words.getInt32(q + last, true);
  }

  /** Named stores, one per field: a computed key would make the hot loop's store generic. */
  private readField(field: number): void {
    const entry = this.entry;
    switch (field) {
      case TOKEN_NAME: entry.tokenName = this.name(); break;
      case MODEL_NAME: entry.model = this.name(); break;
      case PROMPT_TOKENS: entry.prompt = this.integer() ?? wireNumber(this.scalar()); break;
      case COMPLETION_TOKENS: entry.completion = this.integer() ?? wireNumber(this.scalar()); break;
      case TYPE: entry.type = this.integer() ?? wireNumber(this.scalar()); break;
      case QUOTA: entry.quota = this.integer() ?? wireNumber(this.scalar()); break;
      case CREATED_AT: entry.createdAt = wireNumber((this.createdAt = this.integer() ?? this.scalar())); break;
      default: this.otherValue();
    }
  }

  /** A plain integer of up to 15 digits (exact as summed), the usual number here; null at anything else, left to scalar(). */
  private integer(): number | null {
    const b = this.b;
    const start = this.i;
    let c = b[start];
    if (c < 49 || c > 57) return null;
    let value = c - 48;
    let p = start + 1;
    for (c = b[p]; c >= 48 && c <= 57; c = b[++p]) value = value * 10 + (c - 48);
    if (p - start > 15 || c === 46 || c === 101 || c === 69) return null;
    this.i = p;
    return value;
  }

  /**
   * token_name or model_name: a string is made once per distinct name of the page (a page
   * holds a few dozen names and 10,000 entries), found again by its bytes.
   */
  private name(): string {
    if (!this.string()) return wireText(this.scalar());
    const { b, start, end } = this;
    if (this.escaped) return this.decode(start, end);
    let hash = end - start;
    for (let p = start; p < end; p++) hash = (hash * 31 + b[p]) | 0;
    const known = this.names.get(hash);
    if (known && known.end - known.start === end - start) {
      let k = 0;
      while (k < end - start && b[known.start + k] === b[start + k]) k++;
      if (k === end - start) return known.text;
    }
    const text = b.toString('latin1', start, end);
    this.names.set(hash, { start, end, text });
    return text;
  }

  /**
   * `other`'s cache_tokens and frt into the entry: of a string, read from its text in the pass that
   * finds its end (each backslash there opens an escape, and a marker opens with an escaped quote);
   * of anything else, as otherNumber reads it.
   */
  private otherValue(): void {
    const b = this.b;
    const entry = this.entry;
    if (b[this.i] !== QUOTE) {
      const other = this.scalar();
      readOther(entry, other);
      return;
    }
    const start = this.i + 1;
    const n = b.length;
    let cache = -1;
    let frt = -1;
    let i = start;
    for (;;) {
      // as stringEnd (json-cursor.ts): only quotes, backslashes and control characters stop here
      i = this.plainEnd(i);
      if (i >= n) throw UNSURE;
      const c = b[i];
      if (c === QUOTE) break;
      if (c !== BACKSLASH) throw UNSURE;
      const e = b[i + 1];
      if (e === QUOTE) {
        if (cache < 0 && b[i + 2] === 99 && at(b, i, n, MARKERS[CACHE_TOKENS])) cache = i + MARKERS[CACHE_TOKENS].length;
        else if (frt < 0 && b[i + 2] === 102 && at(b, i, n, MARKERS[FRT])) frt = i + MARKERS[FRT].length;
        i += 2;
      } else if (ESCAPE[e] === 1) i += 2;
      else {
        // a `\u` (or a bad escape): the string decoded, and read as otherNumber reads a string
        this.string();
        const other = this.decode(this.start, this.end);
        readOther(entry, other);
        return;
      }
    }
    this.i = i + 1;
    entry.cache = cache < 0 ? 0 : (this.otherNumberAt(cache, i) ?? 0);
    entry.frt = frt < 0 ? null : this.otherNumberAt(frt, i);
  }

  /** aggregate.ts otherNumber from just after its marker, in the string's text ending at `end` */
  private otherNumberAt(after: number, end: number): number | null {
    const b = this.b;
    let p = after;
    while (p < end && b[p] === 32) p++;
    const from = p;
    let value = 0;
    let plain = true;
    for (let c = b[p]; p < end && ((c >= 48 && c <= 57) || c === 45 || c === 46 || c === 43 || c === 101 || c === 69); c = b[++p]) {
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
      else plain = false;
    }
    if (p === from) return null;
    // digits alone, at most 15: the sum is the number; anything else is converted as Number() does
    if (plain && p - from <= 15) return value;
    value = Number(b.toString('latin1', from, p));
    return Number.isFinite(value) ? value : null;
  }

}

/** Whether `marker` is at `p`, within `end`. */
function at(b: Buffer, p: number, end: number, marker: Buffer): boolean {
  if (p + marker.length > end) return false;
  for (let k = 0; k < marker.length; k++) if (b[p + k] !== marker[k]) return false;
  return true;
}

/** Which of FIELDS the key [start, end) names, or -1: by its length and first byte, then byte by byte; no string made. */
function fieldAt(b: Buffer, start: number, end: number): number {
  let field: number;
  switch (end - start) {
    case 4:
      field = TYPE;
      break;
    case 5:
      field = b[start] === 113 ? QUOTA : OTHER;
      break;
    case 10:
      field = b[start] === 116 ? TOKEN_NAME : b[start] === 109 ? MODEL_NAME : CREATED_AT;
      break;
    case 13:
      field = PROMPT_TOKENS;
      break;
    case 17:
      field = COMPLETION_TOKENS;
      break;
    default:
      return -1;
  }
  const name = FIELD_BYTES[field];
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name[k]) return -1;
  return field;
}
