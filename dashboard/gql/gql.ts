/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query DashboardApiKeys {\n  apiKeys {\n    id\n    name\n    key\n    status\n    unlimitedQuota\n    remainQuotaUsd\n    usedQuotaUsd\n    expiresAt\n  }\n}": typeof types.DashboardApiKeysDocument,
    "query DashboardTasks($from: DateTime!, $to: DateTime!) {\n  tasks(filter: {from: $from, to: $to}) {\n    id\n    taskId\n    platformName\n    platform\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}": typeof types.DashboardTasksDocument,
    "query DashboardUsage($from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  me {\n    username\n    quotaUsd\n    usedQuotaUsd\n  }\n  usage(\n    filter: {from: $from, to: $to}\n    groupBy: [DAY, MODEL, API_KEY]\n    timeZone: $timeZone\n  ) {\n    totals {\n      requests\n      totalTokens\n      quotaUsd\n    }\n    groups {\n      day\n      model\n      tokenName\n      requests\n      totalTokens\n      quotaUsd\n    }\n  }\n}": typeof types.DashboardUsageDocument,
    "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}": typeof types.DeleteApiKeyDocument,
    "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}": typeof types.SetApiKeyQuotaDocument,
    "subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}": typeof types.WatchTaskDocument,
};
const documents: Documents = {
    "query DashboardApiKeys {\n  apiKeys {\n    id\n    name\n    key\n    status\n    unlimitedQuota\n    remainQuotaUsd\n    usedQuotaUsd\n    expiresAt\n  }\n}": types.DashboardApiKeysDocument,
    "query DashboardTasks($from: DateTime!, $to: DateTime!) {\n  tasks(filter: {from: $from, to: $to}) {\n    id\n    taskId\n    platformName\n    platform\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}": types.DashboardTasksDocument,
    "query DashboardUsage($from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  me {\n    username\n    quotaUsd\n    usedQuotaUsd\n  }\n  usage(\n    filter: {from: $from, to: $to}\n    groupBy: [DAY, MODEL, API_KEY]\n    timeZone: $timeZone\n  ) {\n    totals {\n      requests\n      totalTokens\n      quotaUsd\n    }\n    groups {\n      day\n      model\n      tokenName\n      requests\n      totalTokens\n      quotaUsd\n    }\n  }\n}": types.DashboardUsageDocument,
    "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}": types.DeleteApiKeyDocument,
    "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}": types.SetApiKeyQuotaDocument,
    "subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}": types.WatchTaskDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardApiKeys {\n  apiKeys {\n    id\n    name\n    key\n    status\n    unlimitedQuota\n    remainQuotaUsd\n    usedQuotaUsd\n    expiresAt\n  }\n}"): (typeof documents)["query DashboardApiKeys {\n  apiKeys {\n    id\n    name\n    key\n    status\n    unlimitedQuota\n    remainQuotaUsd\n    usedQuotaUsd\n    expiresAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardTasks($from: DateTime!, $to: DateTime!) {\n  tasks(filter: {from: $from, to: $to}) {\n    id\n    taskId\n    platformName\n    platform\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}"): (typeof documents)["query DashboardTasks($from: DateTime!, $to: DateTime!) {\n  tasks(filter: {from: $from, to: $to}) {\n    id\n    taskId\n    platformName\n    platform\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardUsage($from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  me {\n    username\n    quotaUsd\n    usedQuotaUsd\n  }\n  usage(\n    filter: {from: $from, to: $to}\n    groupBy: [DAY, MODEL, API_KEY]\n    timeZone: $timeZone\n  ) {\n    totals {\n      requests\n      totalTokens\n      quotaUsd\n    }\n    groups {\n      day\n      model\n      tokenName\n      requests\n      totalTokens\n      quotaUsd\n    }\n  }\n}"): (typeof documents)["query DashboardUsage($from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  me {\n    username\n    quotaUsd\n    usedQuotaUsd\n  }\n  usage(\n    filter: {from: $from, to: $to}\n    groupBy: [DAY, MODEL, API_KEY]\n    timeZone: $timeZone\n  ) {\n    totals {\n      requests\n      totalTokens\n      quotaUsd\n    }\n    groups {\n      day\n      model\n      tokenName\n      requests\n      totalTokens\n      quotaUsd\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}"): (typeof documents)["mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}"): (typeof documents)["mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}"): (typeof documents)["subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;