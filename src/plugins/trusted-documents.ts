/**
 * Trusted documents: with a manifest (hash -> document, as the client preset of `npm run codegen`
 * writes it), the gateway runs only those documents, sent by hash in
 * `extensions.persistedQuery.sha256Hash`; any other query is refused before it is parsed.
 */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Read and check a manifest: a JSON object of `sha256:<hex>` (or bare hex) -> document text. */
export function loadTrustedDocuments(path: string): Map<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`trusted documents: cannot read the manifest ${path}: ${(error as Error).message}`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new Error(`trusted documents: ${path} must be a JSON object of hash -> document`);
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string') throw new Error(`trusted documents: the entry ${hash} of ${path} is not a document string`);
    documents.set(bareHash(hash), document);
  }
  if (documents.size === 0) throw new Error(`trusted documents: ${path} holds no documents`);
  return documents;
}

const REFUSALS = {
  persistedQueryOnly: {
    message: 'This gateway runs only trusted documents: send extensions.persistedQuery.sha256Hash of a document of its manifest instead of a query',
    extensions: { code: 'TRUSTED_DOCUMENTS_ONLY', http: { status: 400 } },
  },
  keyNotFound: {
    message: 'This gateway runs only trusted documents: the request has neither a query nor extensions.persistedQuery.sha256Hash',
    extensions: { code: 'TRUSTED_DOCUMENTS_ONLY', http: { status: 400 } },
  },
  notFound: {
    message: 'Unknown document hash: this gateway runs only the documents of its trusted-documents manifest',
    extensions: { code: 'TRUSTED_DOCUMENT_NOT_FOUND', http: { status: 400 } },
  },
};

export function useTrustedDocuments(documents: Map<string, string>): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => documents.get(bareHash(hash)) ?? null,
    allowArbitraryOperations: false,
    customErrors: REFUSALS,
  });
}

/**
 * The same rule for transports yoga's plugin does not see (graphql-ws, src/http/websocket.ts):
 * the document of the operation's hash, or the refusal the HTTP transport would give.
 */
export function trustedDocument(documents: Map<string, string>, params: { query?: string; extensions?: Record<string, unknown> | null }): string | GraphQLError {
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  const hash = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : null;
  const refusal = hash === null ? (params.query ? REFUSALS.persistedQueryOnly : REFUSALS.keyNotFound) : REFUSALS.notFound;
  const document = hash === null ? undefined : documents.get(bareHash(hash));
  return document ?? new GraphQLError(refusal.message, { extensions: { code: refusal.extensions.code } });
}

/** `sha256:<hex>` (GraphQL-over-HTTP, the client preset) and bare `<hex>` (Apollo) name the same document. */
function bareHash(hash: string): string {
  return hash.replace(/^sha256:/, '').toLowerCase();
}
