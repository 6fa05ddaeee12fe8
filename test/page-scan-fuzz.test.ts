/**
 * The byte scanner of usage pages (src/usage/page-scan.ts) against JSON.parse (page.ts parsePage,
 * the reference) on generated pages, seeded so a failure repeats: names with unicode and escapes,
 * `\"` in strings, numbers in every JSON form, missing and extra fields, nested values, any
 * whitespace, keys in any order or (half the pages) in one order entry after entry, as new-api
 * writes them; then the same pages broken byte by byte. A page must give the same figures, or
 * the same error, whichever reader took it.
 */
import { describe, expect, it } from 'vitest';
import { UsageAggregator, type AggregatorOptions } from '../src/usage/aggregate.js';
import { aggregatePage, parsePage, type PageTask } from '../src/usage/page.js';
import { scanLogPage } from '../src/usage/page-scan.js';

const AGGREGATORS: AggregatorOptions[] = [
  { groupBy: ['DAY', 'MODEL'], timeZone: 'UTC', maxGroups: 100_000 },
  { groupBy: ['API_KEY', 'HOUR', 'LOG_TYPE'], timeZone: 'Asia/Kolkata', maxGroups: 100_000 },
  { groupBy: [], timeZone: 'UTC', tokenName: 'café ☕', maxGroups: 100_000 },
  { groupBy: ['MODEL'], timeZone: 'UTC', modelName: 'gpt-4o "mini"', maxGroups: 100_000 },
];

/** mulberry32: a small seeded generator */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(list: readonly T[]): T => list[int(list.length)], chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

const NAMES = ['default', 'café ☕', 'gpt-4o', 'gpt-4o "mini"', 'claude\\3', '模型', 'tab\there', 'a/b', '', ' spaced ', 'emoji 🚀', 'line\nbreak'];

/** A JSON value of any shape (for extra fields), nested up to `depth`. */
function anyValue(r: Random, depth: number): unknown {
  switch (r.int(depth > 0 ? 7 : 5)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.int(1_000_000) - 500;
    case 3: return r.next() * 1e6;
    case 4: return r.pick(NAMES);
    case 5: return Array.from({ length: r.int(4) }, () => anyValue(r, depth - 1));
    default: return Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [`k${i}`, anyValue(r, depth - 1)]));
  }
}

/** A number field as the upstream might send it, or something else in its place. */
function numberish(r: Random): unknown {
  const n = r.int(100_000);
  switch (r.int(10)) {
    case 0: return `${n}`; // a numeric string
    case 1: return null;
    case 2: return new Raw(`${n}e0`);
    case 3: return new Raw(`${n / 100}E+2`);
    case 4: return new Raw(r.chance(0.5) ? '-0' : '0.0');
    case 5: return n + 0.5;
    case 6: return new Raw('12345678901234567890'); // past 2^53
    default: return n;
  }
}

function other(r: Random): unknown {
  // an object, not a string: rare, as the scanner leaves such a page to JSON.parse
  if (r.chance(0.005)) return { cache_tokens: r.int(500), frt: r.int(3000) };
  switch (r.int(8)) {
    case 0:
    case 1: return null;
    case 2: return '';
    case 3: return `{"note":"said \\"frt\\":12","frt": ${r.int(3000)}}`; // a quote inside the inner JSON's string
    case 4: return `{"cache_tokens":${r.pick(['1e2', '-3', '4.5', '', 'x', '007'])},"frt":${r.int(3000)}}`;
    default: return JSON.stringify({ model_ratio: 1.25, cache_tokens: r.int(900), frt: r.chance(0.8) ? r.int(5000) : undefined, text: r.pick(NAMES) });
  }
}

/** An entry; `ordered`: its keys in new-api's order, as every entry of a real page (the scanner then meets each key again where it was in the entry before). */
function entry(r: Random, ordered: boolean): Record<string, unknown> {
  const fields: [string, unknown][] = [
    ['id', r.int(1e6)],
    ['created_at', r.chance(0.95) ? 1_763_600_000 + r.int(400_000) : numberish(r)],
    ['type', r.chance(0.9) ? r.pick([2, 2, 2, 6, 1, 4, 0, 9]) : numberish(r)],
    ['content', r.pick(['模型倍率 1.25，补全倍率 4.00', 'said "hi"', 'back\\slash', '', 'ctl\u0001'])],
    ['token_name', r.chance(0.95) ? r.pick(NAMES) : anyValue(r, 0)],
    ['model_name', r.chance(0.95) ? r.pick(NAMES) : anyValue(r, 0)],
    ['quota', numberish(r)],
    ['prompt_tokens', numberish(r)],
    ['completion_tokens', numberish(r)],
    ['other', other(r)],
  ];
  if (r.chance(0.3)) fields.push([r.pick(['extra', 'nested', 'token_name_x', 'qu\\u006fta']), anyValue(r, 3)]);
  // missing fields, and any order
  const kept = fields.filter(() => r.chance(ordered ? 0.99 : 0.93));
  return Object.fromEntries(ordered ? kept : kept.sort(() => r.next() - 0.5));
}

/** Written into the text as is (a number in a form JSON.stringify would not choose). */
class Raw {
  constructor(readonly text: string) {}
}

/** JSON text of `value` with random whitespace and escapes JSON allows (`\u` for any character, `\/`). */
function write(r: Random, value: unknown): string {
  const space = () => (r.chance(0.1) ? r.pick([' ', '\n', '\t', '\r\n  ']) : '');
  if (value instanceof Raw) return value.text;
  if (typeof value === 'string') {
    let text = '';
    for (const c of JSON.stringify(value).slice(1, -1)) {
      if (r.chance(0.05)) text += `\\u${c.charCodeAt(0).toString(16).padStart(4, r.pick(['0']))}`.replace(/[a-f]/g, (x) => (r.chance(0.5) ? x.toUpperCase() : x));
      else if (c === '/' && r.chance(0.5)) text += '\\/';
      else text += c;
    }
    // a key or value whose `\u` broke an escape pair: write it plainly
    try {
      if (JSON.parse(`"${text}"`) !== value) return JSON.stringify(value);
    } catch {
      return JSON.stringify(value);
    }
    return `"${text}"`;
  }
  if (Array.isArray(value)) return `[${space()}${value.map((v) => write(r, v)).join(`${space()},${space()}`)}${space()}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${space()}${write(r, k)}${space()}:${space()}${write(r, v)}`);
    return `{${members.join(`${space()},`)}${space()}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function page(r: Random): string {
  const ordered = r.chance(0.5);
  const items = Array.from({ length: r.int(25) }, () => entry(r, ordered));
  const data = r.chance(0.15) ? items : { items, total: r.chance(0.8) ? items.length + r.int(50) : null, page: 1, page_size: r.pick([10_000, 100, null]), ...(r.chance(0.1) ? { extra: anyValue(r, 2) } : {}) };
  const envelope = r.chance(0.05) ? { success: r.pick([false, 'yes', null]), message: 'busy', data } : { success: true, message: '', data };
  return write(r, r.chance(0.1) ? { data: envelope.data, success: envelope.success } : envelope);
}

/** The page broken in one place: a byte changed, dropped or added, or the text cut short. */
function mutate(r: Random, bytes: Buffer): Buffer {
  const at = r.int(bytes.length);
  switch (r.int(4)) {
    case 0: return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    case 1: return bytes.subarray(0, at);
    case 2: return Buffer.concat([bytes.subarray(0, at), Buffer.from([r.pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x01, 0x20, 0x30, 0x2d, 0x65])]), bytes.subarray(at)]);
    default: {
      const copy = Buffer.from(bytes);
      copy[at] = r.pick([0x22, 0x5c, 0x7d, 0x5d, 0x2c, 0x3a, 0x0a, 0x31, 0x2e, 0x75, 0xff]);
      return copy;
    }
  }
}

const task = (bytes: Buffer, skip: number): PageTask => ({ path: '/yescale/logs', status: 200, bytes: new Uint8Array(bytes), skip, aggregators: AGGREGATORS });

/** What a reader made of the page: its figures, or its error. */
function outcome(read: (task: PageTask) => unknown, t: PageTask): unknown {
  try {
    return { figures: read(t) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : error };
  }
}

describe('the usage page scanner on generated pages', () => {
  it.each([1, 2, 3, 4])('reads every page of seed %i as JSON.parse does, whole or broken', (seed) => {
    const r = random(seed);
    let scanned = 0;
    for (let n = 0; n < 150; n++) {
      const bytes = Buffer.from(page(r), 'utf8');
      const skip = r.chance(0.2) ? r.int(5) : 0;
      if (scanLogPage(new Uint8Array(bytes), skip, AGGREGATORS.map((options) => new UsageAggregator(options)))) scanned++;
      for (const variant of [bytes, mutate(r, bytes), mutate(r, bytes)]) {
        const t = task(variant, skip);
        const expected = outcome(parsePage, t);
        const got = outcome(aggregatePage, t);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          // the text in the message: a failure can be read and repeated
          expect({ page: variant.toString('utf8'), got }).toEqual({ page: variant.toString('utf8'), got: expected });
        }
      }
    }
    // most whole pages are the scanner's to read, not JSON.parse's
    expect(scanned).toBeGreaterThan(90);
  });
});

describe('the scanner at every byte a string may stop at', () => {
  // strings are skipped four bytes at a time (json-cursor.ts plainEnd): each stop byte at each
  // offset of a word, in a skipped string, a name and `other`, must end or break it as JSON.parse says
  const stops = [0x22, 0x5c, ...Array.from({ length: 0x20 }, (_, c) => c), 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xdf, 0xff];
  it('reads each such page as JSON.parse does', () => {
    let scanned = 0;
    for (const field of ['content', 'model_name', 'other']) {
      for (const stop of stops) {
        for (let before = 0; before < 9; before++) {
          for (const after of [0, 1, 2, 3, 4, 7]) {
            const text = Buffer.concat([
              Buffer.from(`{"success":true,"data":[{"id":1,"type":2,"quota":5,"${field}":"${'a'.repeat(before)}`, 'latin1'),
              Buffer.from(stop === 0x5c ? [stop, 0x6e] : [stop]),
              Buffer.from(`${'\\"frt\\":7'.slice(0, after)}","model_name":"m"}]}`, 'latin1'),
            ]);
            const t = task(text, 0);
            expect(outcome(aggregatePage, t)).toEqual(outcome(parsePage, t));
            if (scanLogPage(new Uint8Array(text), 0, AGGREGATORS.map((options) => new UsageAggregator(options)))) scanned++;
          }
        }
      }
    }
    // the pages the scanner reads, not only those it leaves to JSON.parse
    expect(scanned).toBeGreaterThan(1000);
  });
});
