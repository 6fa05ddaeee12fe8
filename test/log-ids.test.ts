/** Log entry ids: identical entries of one second get distinct, stable ids that node() resolves. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
const NOW = 1_780_000_000;

beforeAll(async () => {
  h = await startHarness({}, { logsPerUser: 200, now: NOW });
  const demo = h.emulator.users[0].username;
  h.emulator.appendLogs(demo, 1, NOW + 60);
  h.emulator.appendCopies(demo, 2); // three identical entries in second NOW + 60
});
afterAll(() => h.close());

const LIST = `{ logs(first: 5) { edges { node { id createdAt content quota requestId } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on LogEntry { createdAt content requestId } } }`;

describe('LogEntry.id', () => {
  it('tells identical entries of one second apart, the same way on every request', async () => {
    const first = await h.gql(LIST);
    expect(first.errors).toBeUndefined();
    const nodes = first.data.logs.edges.map((e: any) => e.node);
    const [a, b, c] = nodes;
    // the emulator really served three identical entries
    expect({ ...b, id: 0 }).toEqual({ ...a, id: 0 });
    expect({ ...c, id: 0 }).toEqual({ ...a, id: 0 });
    expect(new Set(nodes.map((n: any) => n.id)).size).toBe(nodes.length);
    const raw = (id: string) => Buffer.from(id, 'base64').toString('utf8');
    expect(raw(b.id)).toBe(`${raw(a.id)}.1`);
    expect(raw(c.id)).toBe(`${raw(a.id)}.2`);
    const again = await h.gql(LIST);
    expect(again.data.logs.edges.map((e: any) => e.node.id)).toEqual(nodes.map((n: any) => n.id));
  });

  it('node(id) finds each of the identical entries', async () => {
    const ids: string[] = (await h.gql(LIST)).data.logs.edges.slice(0, 3).map((e: any) => e.node.id);
    for (const id of ids) {
      const res = await h.gql(NODE, { id });
      expect(res.errors).toBeUndefined();
      expect(res.data.node?.id).toBe(id);
    }
    const fourth = Buffer.from(`${Buffer.from(ids[0], 'base64').toString('utf8')}.3`).toString('base64');
    expect((await h.gql(NODE, { id: fourth })).data.node).toBeNull();
  });
});
