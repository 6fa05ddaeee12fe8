/**
 * Apollo Server 5 + RESTDataSource peer: hand-written resolvers over the YEScale System API,
 * written the way an Apollo user would (one RESTDataSource per request, its GET deduplication
 * doing the work a DataLoader does in our gateway). The schema mirrors the subset of ours the
 * benchmark queries touch, so the three queries are the same text for both.
 *
 * env: PORT (default 4001), HOST (127.0.0.1), UPSTREAM (http://127.0.0.1:4010). NODE_ENV=production for numbers.
 * The caller's Authorization header is forwarded on every upstream call.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const PORT = Number(process.env.PORT ?? 4001);
const HOST = process.env.HOST ?? '127.0.0.1';
const UPSTREAM = (process.env.UPSTREAM ?? 'http://127.0.0.1:4010').replace(/\/?$/, '/');
const CREDITS_PER_USD = 500_000;

class YescaleAPI extends RESTDataSource {
  baseURL = UPSTREAM;

  constructor(authorization, options) {
    super(options);
    this.authorization = authorization;
  }

  willSendRequest(_path, request) {
    if (this.authorization) request.headers.authorization = this.authorization;
  }

  /** The upstream answers business errors with HTTP 200 and success:false. */
  async data(path, params) {
    const body = await this.get(path, params ? { params } : undefined);
    if (body && body.success === false) throw new GraphQLError(body.message || 'upstream error', { extensions: { code: 'UPSTREAM' } });
    return body.data;
  }

  user() {
    return this.data('yescale/user');
  }
  apiKeys() {
    return this.data('yescale/apikeylist', { keyword: '', token: '' });
  }
  logs(pageSize) {
    return this.data('yescale/logs', { p: '1', page_size: String(pageSize) });
  }
  tasks(from, to) {
    return this.data('yescale/task', { start_timestamp: String(from), end_timestamp: String(to) });
  }
}

const typeDefs = /* GraphQL */ `
  scalar DateTime
  scalar Credits

  enum ApiKeyStatus { ENABLED DISABLED EXPIRED EXHAUSTED UNKNOWN }

  type User {
    username: String!
    displayName: String
    email: String
    quota: Credits!
    quotaUsd: Float!
    usedQuota: Credits!
    usedQuotaUsd: Float!
    requestCount: Int!
  }

  type ApiKey {
    upstreamId: Int!
    name: String!
    status: ApiKeyStatus!
    remainQuota: Credits!
    usedQuota: Credits!
    unlimitedQuota: Boolean!
  }

  type LogEntry {
    id: ID!
    createdAt: DateTime!
    modelName: String!
    tokenName: String!
    quota: Credits!
    promptTokens: Int!
    completionTokens: Int!
    apiKey: ApiKey
  }

  type LogEdge { node: LogEntry! }
  type LogConnection { edges: [LogEdge!]! totalCount: Int }

  type Task {
    taskId: String!
    platform: String!
    action: String!
    status: String!
    progress: String
  }

  input TaskFilter { from: DateTime!, to: DateTime! }

  type Query {
    me: User
    apiKeys: [ApiKey!]
    logs(first: Int = 20): LogConnection
    tasks(filter: TaskFilter!): [Task!]
  }
`;

const STATUS = { 1: 'ENABLED', 2: 'DISABLED', 3: 'EXPIRED', 4: 'EXHAUSTED' };
const toUnix = (value) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new GraphQLError(`not a date-time: ${value}`);
  return Math.floor(ms / 1000);
};

const resolvers = {
  DateTime: new GraphQLScalarType({
    name: 'DateTime',
    serialize: (unix) => new Date(unix * 1000).toISOString(),
    parseValue: toUnix,
    parseLiteral: (ast) => (ast.kind === Kind.STRING ? toUnix(ast.value) : null),
  }),
  Credits: new GraphQLScalarType({
    name: 'Credits',
    serialize: (v) => v,
    parseValue: (v) => Number(v),
    parseLiteral: (ast) => (ast.kind === Kind.INT || ast.kind === Kind.STRING ? Number(ast.value) : null),
  }),
  Query: {
    me: (_, __, { api }) => api.user(),
    apiKeys: (_, __, { api }) => api.apiKeys(),
    logs: async (_, { first }, { api }) => {
      const page = await api.logs(Math.min(Math.max(first, 1), 1000));
      return { edges: page.items.map((node) => ({ node })), totalCount: page.total };
    },
    tasks: (_, { filter }, { api }) => api.tasks(filter.from, filter.to),
  },
  User: {
    displayName: (u) => u.display_name,
    quotaUsd: (u) => u.quota / CREDITS_PER_USD,
    usedQuota: (u) => u.used_quota,
    usedQuotaUsd: (u) => u.used_quota / CREDITS_PER_USD,
    requestCount: (u) => u.request_count,
  },
  ApiKey: {
    upstreamId: (k) => k.id,
    status: (k) => STATUS[k.status] ?? 'UNKNOWN',
    remainQuota: (k) => k.remain_quota,
    usedQuota: (k) => k.used_quota,
    unlimitedQuota: (k) => k.unlimited_quota,
  },
  LogEntry: {
    id: (l) => `${l.created_at}.${l.request_id ?? l.id}`,
    createdAt: (l) => l.created_at,
    modelName: (l) => l.model_name,
    tokenName: (l) => l.token_name,
    promptTokens: (l) => l.prompt_tokens,
    completionTokens: (l) => l.completion_tokens,
    // every entry asks for the key list; RESTDataSource sends that GET once per request
    apiKey: async (l, _, { api }) => {
      const keys = await api.apiKeys();
      return (l.token_id ? keys.find((k) => k.id === l.token_id) : undefined) ?? keys.find((k) => k.name === l.token_name) ?? null;
    },
  },
  Task: {
    taskId: (t) => t.task_id,
  },
};

const server = new ApolloServer({ typeDefs, resolvers, stopOnTerminationSignals: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: PORT, host: HOST },
  context: async ({ req }) => ({ api: new YescaleAPI(req.headers.authorization) }),
});
console.log(`apollo peer on ${url} -> ${UPSTREAM}`);

// A benchmark peer needs no graceful drain (Apollo's own drain kept the process up after SIGTERM).
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
