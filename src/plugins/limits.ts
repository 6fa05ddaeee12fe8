/**
 * Limits on what one HTTP request may ask, checked before any upstream call: query depth,
 * aliases, directives and tokens (graphql-armor, at parse/validation), cost (the Pothos
 * complexity of src/schema/complexity.ts, with the request's variables, just before
 * execution), batched operations (yoga) and body size (server.ts). Each refusal is one
 * GraphQL error with a QUERY_* / BATCH_LIMIT / REQUEST_TOO_LARGE code; yoga answers it with
 * HTTP 400 (413 for the body) and no data.
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { Kind, getOperationAST, validate, type DocumentNode, type GraphQLError, type TypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface Limits {
  /** nesting of fields, fragments followed */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** lexical tokens of the document: bounds parse work on huge queries */
  maxTokens: number;
  /** the Pothos complexity: a connection costs `first` times its selection, other lists ten times */
  maxCost: number;
  /** operations in one batched (JSON array) request; 0 refuses batches */
  maxBatch: number;
  /** bytes of one request body */
  maxRequestBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 10,
  // many aliased node(id) lookups are legitimate (they batch into one call); cost bounds the rest
  maxAliases: 50,
  maxDirectives: 20,
  maxTokens: 1_000,
  // an entry costs its fields + 2: a page of 50,000 log entries (the largest `first`) with 27
  // fields costs 1,450,001, so the largest page passes with every scalar field of LogEntry (26)
  maxCost: 1_500_000,
  maxBatch: 10,
  maxRequestBytes: 256 * 1024,
};

/** armor reports its refusals as "Syntax Error: …" without a code: give them ours. */
const coded = (code: string) => ({
  exposeLimits: true,
  onReject: [
    (_context: unknown, error: GraphQLError) => {
      error.message = error.message.replace(/^Syntax Error: /, '');
      Object.assign(error.extensions, { code });
    },
  ],
});

export function limitPlugins(limits: Limits): Plugin[] {
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...coded('QUERY_TOKENS') }),
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ...coded('QUERY_DEPTH') }),
    maxAliasesPlugin({ n: limits.maxAliases, ...coded('QUERY_ALIASES') }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...coded('QUERY_DIRECTIVES') }),
    costLimit(limits.maxCost),
  ] as Plugin[];
}

/**
 * The cost depends on variables (`first: $n`), and yoga caches validation per document, so
 * the cost is checked per execution instead, with the operation's own variables. Computing it
 * walks the whole document, so a pass is remembered per document and per the values of its Int
 * variables: fieldComplexity (schema/complexity.ts) reads only the Int `first` argument.
 * Refusals are not remembered: they can come from other variables' values too.
 */
function costLimit(maxComplexity: number): Plugin {
  const passed = new WeakMap<DocumentNode, Set<string>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const key = `${args.operationName ?? ''}|${JSON.stringify(intVariables(args.document, args.operationName, variables))}`;
      let keys = passed.get(args.document);
      if (keys?.has(key)) return;
      const rule = createComplexityRule({ context: args.contextValue as object, variableValues: variables, operationName: args.operationName, maxComplexity });
      const errors = validate(args.schema, args.document, [rule]);
      if (errors.length > 0) return setResultAndStopExecution({ errors });
      if (!keys || keys.size >= 100) passed.set(args.document, (keys = new Set()));
      keys.add(key);
    },
  };
}

/** The values of the operation's Int variables, the only ones the cost depends on. */
function intVariables(document: DocumentNode, operationName: string | null | undefined, values: Record<string, unknown>): unknown[] {
  const operation = getOperationAST(document, operationName);
  return (operation?.variableDefinitions ?? [])
    .filter((definition) => typeFromAST(definition.type) === 'Int')
    .map((definition) => values[definition.variable.name.value]);
}

/** The named type of a variable's type, lists and non-null stripped. */
function typeFromAST(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : typeFromAST(type.type);
}
