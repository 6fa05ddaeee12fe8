/** queryKey: the DataLoader and poll key of an upstream query, one text for one call. */
import { describe, expect, it } from 'vitest';
import { queryKey } from '../src/loaders/query-loader.js';

/** The text it has always been: sorted entries, without undefined or empty values, as JSON. */
const reference = (query: object): string =>
  JSON.stringify(
    Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

describe('queryKey', () => {
  it('is one text for one call, whatever the order and the undefined or empty values', () => {
    expect(queryKey({})).toBe('[]');
    expect(queryKey({ keyword: '', token: undefined })).toBe('[]');
    expect(queryKey({ page_size: 20, p: 1 })).toBe('[["p",1],["page_size",20]]');
    expect(queryKey({ p: 1, page_size: 20, type: undefined })).toBe(queryKey({ page_size: 20, p: 1 }));
    expect(queryKey({ p: 1 })).not.toBe(queryKey({ p: 2 }));
    expect(queryKey({ model_name: '1' })).not.toBe(queryKey({ model_name: 1 }));
  });

  it('writes the same text as sorted JSON entries, so poll keys stay the same across versions', () => {
    const queries = [
      { start_timestamp: 1_700_000_000, end_timestamp: 1_700_086_400 },
      { b: 'x"y\u2028', a: [1, { z: 2 }], c: null, d: '', e: true, f: -0, g: 1e21, h: 0.1, i: Number.NaN, j: Number.POSITIVE_INFINITY },
      { token_name: 'ключ "1"', model_name: 'gpt-4o_mini', type: 2, p: 3 },
    ];
    for (const query of queries) expect(queryKey(query)).toBe(reference(query));
  });
});
