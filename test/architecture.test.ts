/**
 * The layering of src/ (docs/architecture.md): each layer imports only layers below it, and no
 * file reaches itself through its imports, type-only imports included. Imports are read with the
 * TypeScript compiler's own pre-parser, which sees `import type` and `export ... from` too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/**
 * Layers, lowest first. A file's layer is its folder under src/ (or its name, at the root). Only
 * imports into a lower rank are allowed between layers; two layers of one rank may not import
 * each other.
 */
const RANKS: Record<string, number> = {
  'upstream/': 0,
  'observability/': 1,
  // the Redis connection setup, shared by the response cache (plugins/) and the coordinator (live/)
  'redis.ts': 1,
  'queries/': 1,
  'usage/': 1,
  'loaders/': 2,
  // subscription pollers: above the transport and queries, below the context and schema that start them
  'live/': 2,
  'context.ts': 3,
  'schema/': 4,
  'plugins/': 5,
  'gateway.ts': 6,
  'http/': 7,
  'check.ts': 8,
  'config.ts': 8,
  // the CLI process's V8 settings, set by main.ts before it loads the CLI
  'heap.ts': 8,
  'cli.ts': 9,
  'main.ts': 10,
};
/** The emulator stands beside the gateway and shares only the wire shapes with it. */
const EMULATOR = 'emulator/';
const EMULATOR_MAY_IMPORT = ['upstream/wire.ts'];
/** Packages a layer must not use: the schema reaches the upstream only through loaders. */
const FORBIDDEN_PACKAGES: Record<string, string[]> = { 'schema/': ['undici'] };

/** A file longer than this does more than one thing: split it by concern. */
const MAX_LINES = 400;

/** file (relative to src/) -> the src/ files and the packages it imports */
type Graph = Map<string, { files: string[]; packages: string[] }>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function readGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const files: string[] = [];
    const packages: string[] = [];
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) files.push(relative(root, join(dirname(file), fileName)).replace(/\.js$/, '.ts'));
      else packages.push(fileName);
    }
    graph.set(relative(root, file), { files, packages });
  }
  return graph;
}

const layerOf = (file: string): string => (file.includes('/') ? `${file.split('/')[0]}/` : file);

/** Every import cycle, each as the path of files that closes it. */
function findCycles(graph: Graph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file)?.files ?? []) visit(next);
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return cycles;
}

/** Every import that breaks the layering, as `from -> to (why)`. */
function layerViolations(graph: Graph): string[] {
  const found: string[] = [];
  for (const [file, { files, packages }] of graph) {
    const from = layerOf(file);
    for (const target of files) {
      const to = layerOf(target);
      if (from === to) continue;
      if (from === EMULATOR || to === EMULATOR) {
        const allowed = from === EMULATOR ? EMULATOR_MAY_IMPORT.includes(target) : RANKS[from] >= RANKS['config.ts'];
        if (!allowed) found.push(`${file} -> ${target} (the emulator shares only ${EMULATOR_MAY_IMPORT.join(', ')})`);
        continue;
      }
      if (RANKS[from] === undefined || RANKS[to] === undefined) found.push(`${file} -> ${target} (a layer without a rank in this test)`);
      else if (RANKS[to] >= RANKS[from]) found.push(`${file} -> ${target} (${from} may not import ${to})`);
    }
    for (const name of FORBIDDEN_PACKAGES[from] ?? []) {
      if (packages.some((p) => p === name || p.startsWith(`${name}/`))) found.push(`${file} -> ${name} (${from} may not use ${name})`);
    }
  }
  return found.sort();
}

describe('the layering of src/', () => {
  const graph = readGraph(SRC);

  it('reads every source file and its imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('gateway.ts')?.files).toContain('context.ts');
    // type-only imports count: context.ts uses the Credential type only
    expect(graph.get('context.ts')?.files).toContain('upstream/credential.ts');
    for (const { files } of graph.values()) for (const target of files) expect(graph.has(target), target).toBe(true);
  });

  it('has no import cycle, not even through type-only imports', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('imports only downward: upstream/ knows no GraphQL, the emulator only the wire shapes, the schema no undici', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it(`keeps every file at most ${MAX_LINES} lines`, () => {
    const long = [...graph.keys()].filter((file) => readFileSync(join(SRC, file), 'utf8').trimEnd().split('\n').length > MAX_LINES);
    expect(long).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const node = (files: string[], packages: string[] = []) => ({ files, packages });

  it('find a cycle of type-only imports and an upward import', () => {
    const graph: Graph = new Map([
      ['context.ts', node(['loaders/index.ts'])],
      ['loaders/index.ts', node(['context.ts', 'upstream/http.ts'])],
      ['upstream/http.ts', node(['schema/user.ts'])],
      ['schema/user.ts', node([], ['undici'])],
    ]);
    expect(findCycles(graph)).toEqual([['context.ts', 'loaders/index.ts', 'context.ts']]);
    expect(layerViolations(graph)).toEqual([
      'loaders/index.ts -> context.ts (loaders/ may not import context.ts)',
      'schema/user.ts -> undici (schema/ may not use undici)',
      'upstream/http.ts -> schema/user.ts (upstream/ may not import schema/)',
    ]);
  });

  it('keep the emulator to the wire shapes, and layers of one rank apart', () => {
    const graph: Graph = new Map([
      ['emulator/routes.ts', node(['upstream/wire.ts', 'upstream/records.ts'])],
      ['queries/log-range.ts', node(['usage/aggregate.ts'])],
    ]);
    expect(layerViolations(graph)).toEqual([
      'emulator/routes.ts -> upstream/records.ts (the emulator shares only upstream/wire.ts)',
      'queries/log-range.ts -> usage/aggregate.ts (queries/ may not import usage/)',
    ]);
  });
});
