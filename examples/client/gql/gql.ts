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
    "query AccountOverview {\n  me {\n    username\n    displayName\n    role\n    quota\n    quotaUsd\n    usedQuota\n    usedQuotaUsd\n    requestCount\n    apiKeys {\n      name\n      status\n      remainQuotaUsd\n      unlimitedQuota\n      usedQuotaUsd\n    }\n  }\n}": typeof types.AccountOverviewDocument,
    "query ApiKeys($keyword: String) {\n  apiKeys(filter: {keyword: $keyword}) {\n    id\n    name\n    key\n    status\n    expiresAt\n    lastUsedAt\n    remainQuotaUsd\n    usedQuotaUsd\n    modelLimits\n    logs(first: 3) {\n      createdAt\n      modelName\n      quotaUsd\n    }\n  }\n}": typeof types.ApiKeysDocument,
    "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}": typeof types.DeleteApiKeyDocument,
    "query RecentLogs($first: Int = 20, $after: String, $filter: LogFilter = {type: CONSUME}) {\n  logs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        createdAt\n        modelName\n        promptTokens\n        completionTokens\n        cacheTokens\n        quotaUsd\n        firstResponseMs\n        apiKey {\n          name\n          status\n        }\n      }\n    }\n  }\n}": typeof types.RecentLogsDocument,
    "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}": typeof types.SetApiKeyQuotaDocument,
    "query Tasks($from: DateTime = \"2025-01-01T00:00:00Z\", $to: DateTime = \"2099-12-31T23:59:59Z\", $status: TaskStatus) {\n  tasks(filter: {from: $from, to: $to, status: $status}) {\n    id\n    taskId\n    platform\n    platformName\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}": typeof types.TasksDocument,
    "query UsageByModel($from: DateTime, $to: DateTime, $timeZone: String = \"UTC\") {\n  usage(filter: {from: $from, to: $to}, groupBy: [MODEL], timeZone: $timeZone) {\n    totals {\n      requests\n      totalTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n    groups {\n      model\n      requests\n      promptTokens\n      completionTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n  }\n}": typeof types.UsageByModelDocument,
    "subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}": typeof types.WatchTaskDocument,
};
const documents: Documents = {
    "query AccountOverview {\n  me {\n    username\n    displayName\n    role\n    quota\n    quotaUsd\n    usedQuota\n    usedQuotaUsd\n    requestCount\n    apiKeys {\n      name\n      status\n      remainQuotaUsd\n      unlimitedQuota\n      usedQuotaUsd\n    }\n  }\n}": types.AccountOverviewDocument,
    "query ApiKeys($keyword: String) {\n  apiKeys(filter: {keyword: $keyword}) {\n    id\n    name\n    key\n    status\n    expiresAt\n    lastUsedAt\n    remainQuotaUsd\n    usedQuotaUsd\n    modelLimits\n    logs(first: 3) {\n      createdAt\n      modelName\n      quotaUsd\n    }\n  }\n}": types.ApiKeysDocument,
    "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}": types.DeleteApiKeyDocument,
    "query RecentLogs($first: Int = 20, $after: String, $filter: LogFilter = {type: CONSUME}) {\n  logs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        createdAt\n        modelName\n        promptTokens\n        completionTokens\n        cacheTokens\n        quotaUsd\n        firstResponseMs\n        apiKey {\n          name\n          status\n        }\n      }\n    }\n  }\n}": types.RecentLogsDocument,
    "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}": types.SetApiKeyQuotaDocument,
    "query Tasks($from: DateTime = \"2025-01-01T00:00:00Z\", $to: DateTime = \"2099-12-31T23:59:59Z\", $status: TaskStatus) {\n  tasks(filter: {from: $from, to: $to, status: $status}) {\n    id\n    taskId\n    platform\n    platformName\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}": types.TasksDocument,
    "query UsageByModel($from: DateTime, $to: DateTime, $timeZone: String = \"UTC\") {\n  usage(filter: {from: $from, to: $to}, groupBy: [MODEL], timeZone: $timeZone) {\n    totals {\n      requests\n      totalTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n    groups {\n      model\n      requests\n      promptTokens\n      completionTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n  }\n}": types.UsageByModelDocument,
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
export function graphql(source: "query AccountOverview {\n  me {\n    username\n    displayName\n    role\n    quota\n    quotaUsd\n    usedQuota\n    usedQuotaUsd\n    requestCount\n    apiKeys {\n      name\n      status\n      remainQuotaUsd\n      unlimitedQuota\n      usedQuotaUsd\n    }\n  }\n}"): (typeof documents)["query AccountOverview {\n  me {\n    username\n    displayName\n    role\n    quota\n    quotaUsd\n    usedQuota\n    usedQuotaUsd\n    requestCount\n    apiKeys {\n      name\n      status\n      remainQuotaUsd\n      unlimitedQuota\n      usedQuotaUsd\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ApiKeys($keyword: String) {\n  apiKeys(filter: {keyword: $keyword}) {\n    id\n    name\n    key\n    status\n    expiresAt\n    lastUsedAt\n    remainQuotaUsd\n    usedQuotaUsd\n    modelLimits\n    logs(first: 3) {\n      createdAt\n      modelName\n      quotaUsd\n    }\n  }\n}"): (typeof documents)["query ApiKeys($keyword: String) {\n  apiKeys(filter: {keyword: $keyword}) {\n    id\n    name\n    key\n    status\n    expiresAt\n    lastUsedAt\n    remainQuotaUsd\n    usedQuotaUsd\n    modelLimits\n    logs(first: 3) {\n      createdAt\n      modelName\n      quotaUsd\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}"): (typeof documents)["mutation DeleteApiKey($id: ID!) {\n  deleteApiKey(input: {id: $id}) {\n    deletedApiKeyId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RecentLogs($first: Int = 20, $after: String, $filter: LogFilter = {type: CONSUME}) {\n  logs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        createdAt\n        modelName\n        promptTokens\n        completionTokens\n        cacheTokens\n        quotaUsd\n        firstResponseMs\n        apiKey {\n          name\n          status\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RecentLogs($first: Int = 20, $after: String, $filter: LogFilter = {type: CONSUME}) {\n  logs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        createdAt\n        modelName\n        promptTokens\n        completionTokens\n        cacheTokens\n        quotaUsd\n        firstResponseMs\n        apiKey {\n          name\n          status\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}"): (typeof documents)["mutation SetApiKeyQuota($id: ID!, $usd: Float) {\n  updateApiKeyQuota(input: {id: $id, remainQuotaUsd: $usd}) {\n    apiKey {\n      id\n      name\n      status\n      remainQuota\n      remainQuotaUsd\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Tasks($from: DateTime = \"2025-01-01T00:00:00Z\", $to: DateTime = \"2099-12-31T23:59:59Z\", $status: TaskStatus) {\n  tasks(filter: {from: $from, to: $to, status: $status}) {\n    id\n    taskId\n    platform\n    platformName\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}"): (typeof documents)["query Tasks($from: DateTime = \"2025-01-01T00:00:00Z\", $to: DateTime = \"2099-12-31T23:59:59Z\", $status: TaskStatus) {\n  tasks(filter: {from: $from, to: $to, status: $status}) {\n    id\n    taskId\n    platform\n    platformName\n    action\n    status\n    progress\n    failReason\n    submittedAt\n    finishedAt\n    quotaUsd\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UsageByModel($from: DateTime, $to: DateTime, $timeZone: String = \"UTC\") {\n  usage(filter: {from: $from, to: $to}, groupBy: [MODEL], timeZone: $timeZone) {\n    totals {\n      requests\n      totalTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n    groups {\n      model\n      requests\n      promptTokens\n      completionTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n  }\n}"): (typeof documents)["query UsageByModel($from: DateTime, $to: DateTime, $timeZone: String = \"UTC\") {\n  usage(filter: {from: $from, to: $to}, groupBy: [MODEL], timeZone: $timeZone) {\n    totals {\n      requests\n      totalTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n    groups {\n      model\n      requests\n      promptTokens\n      completionTokens\n      cacheTokens\n      quotaUsd\n      averageFirstResponseMs\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}"): (typeof documents)["subscription WatchTask($id: ID!) {\n  taskUpdated(id: $id) {\n    id\n    taskId\n    platformName\n    status\n    progress\n    failReason\n    finishedAt\n    quotaUsd\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;