/**
 * A typed client for apps: the typed documents of schema/operations/ (examples/client/gql/, made by
 * `npm run codegen`), sent by hash, so it also works against a gateway that runs only trusted
 * documents (--trusted-documents examples/client/gql/persisted-documents.json).
 *
 *   npx tsx examples/client/account.ts http://127.0.0.1:4000/graphql [access key]
 */
import { pathToFileURL } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { AccountOverviewDocument, ApiKeysDocument, type AccountOverviewQuery, type ApiKeysQuery } from './gql/graphql.js';

/** A document of the client preset: typed, and carrying the hash of its trusted-documents entry. */
type TrustedDocument<TResult, TVariables> = TypedDocumentNode<TResult, TVariables> & { __meta__?: { hash?: string } };

export class GraphQLRequestError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
  }
}

/** POST one operation by its hash; the typed result, or the GraphQL errors thrown. */
export async function execute<TResult, TVariables>(
  endpoint: string,
  document: TrustedDocument<TResult, TVariables>,
  variables: TVariables,
  accessKey?: string,
): Promise<TResult> {
  const hash = document.__meta__?.hash;
  if (!hash) throw new Error('the document has no hash: run `npm run codegen`');
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessKey ? { authorization: `Bearer ${accessKey}` } : {}) },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  const body = (await res.json()) as { data?: TResult; errors?: GraphQLRequestError['errors'] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  return body.data!;
}

export function accountOverview(endpoint: string, accessKey?: string): Promise<AccountOverviewQuery> {
  return execute(endpoint, AccountOverviewDocument, {}, accessKey);
}

export function apiKeys(endpoint: string, keyword?: string, accessKey?: string): Promise<ApiKeysQuery> {
  return execute(endpoint, ApiKeysDocument, { keyword }, accessKey);
}

/** One line per account: the balance and the keys, as a small app would show them. */
export async function summary(endpoint: string, accessKey?: string): Promise<string> {
  const { me } = await accountOverview(endpoint, accessKey);
  if (!me) return 'no account';
  const enabled = me.apiKeys?.filter((key) => key.status === 'ENABLED').length ?? 0;
  return `${me.username}: ${me.quotaUsd.toFixed(2)} USD left, ${me.usedQuotaUsd.toFixed(2)} USD used, ${enabled} of ${me.apiKeys?.length ?? 0} keys enabled`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [endpoint = 'http://127.0.0.1:4000/graphql', accessKey] = process.argv.slice(2);
  console.log(await summary(endpoint, accessKey));
}
