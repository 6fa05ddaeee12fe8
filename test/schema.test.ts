/** The committed SDL files are what `npm run codegen` prints from the code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printFederationSchema, printPublicSchema, publicSchema } from '../src/schema/index.js';

const committed = (name: string) => readFileSync(new URL(`../schema/${name}`, import.meta.url), 'utf8').trim();

describe('committed schema', () => {
  it('schema/schema.graphql matches the Pothos schema (run `npm run codegen` after changing src/schema)', () => {
    expect(committed('schema.graphql')).toBe(printPublicSchema().trim());
  });

  it('schema/subgraph.graphql matches the federation SDL (run `npm run codegen`)', () => {
    expect(committed('subgraph.graphql')).toBe(printFederationSchema().trim());
  });

  it('keeps credits out of 32-bit Int and has the target root fields', () => {
    const sdl = printPublicSchema();
    expect(sdl).toMatch(/^\s+quota: Credits!$/m);
    expect(sdl).not.toMatch(/quota: Int/i);
    for (const field of ['me: User', 'apiKeys(filter: ApiKeyFilter): [ApiKey!]', 'apiKey(id: ID!): ApiKey', 'tasks(filter: TaskFilter!): [Task!]', 'node(id: ID!): Node']) {
      expect(sdl).toContain(field);
    }
    const logs = publicSchema().getQueryType()!.getFields().logs;
    expect(String(logs.type)).toBe('LogConnection');
    expect(logs.args.map((a) => `${a.name}: ${String(a.type)}`).sort()).toEqual(['after: String', 'filter: LogFilter', 'first: Int']);
  });
});
