/**
 * The gateway as an Apollo Federation v2 subgraph, over real HTTP: the real gateway on the real
 * emulator, a small "teams" subgraph written here that extends `User` and references `ApiKey`
 * and `Task`, composed with @apollo/composition (and with IntrospectAndCompose against the running
 * servers) and queried through @apollo/gateway, which forwards the caller's Authorization; then
 * composed with @theguild/federation-composition and queried through Hive Gateway's runtime.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema, printSubgraphSchema as printSubgraphSchemaOf } from '@apollo/subgraph';
import { useApolloFederation } from '@envelop/apollo-federation';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { parse } from 'graphql';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, taskGlobalId, type GraphQLResponse, type Harness } from './helpers.js';
import { printFederationSchema, schema } from '../src/schema/index.js';

// ---- the foreign subgraph: teams of YEScale users, with their shared keys and renders ----

const TEAMS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])

  type Query { team(id: ID!): Team }

  type Team @key(fields: "id") {
    id: ID!
    name: String!
    members: [User]!
    "keys the team bills to, stored by their upstream number"
    billingKeys: [ApiKey]!
    "renders the team showcases, stored by global ID"
    renders: [Task]!
    history(first: Int): TeamEventConnection!
  }

  "A connection of its own, so PageInfo lives in both subgraphs."
  type TeamEventConnection { edges: [TeamEventEdge!]! pageInfo: PageInfo! }
  type TeamEventEdge { cursor: String! node: String! }
  type PageInfo @shareable { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

  type User @key(fields: "username") { username: String! team: Team }
  type ApiKey @key(fields: "upstreamId", resolvable: false) { upstreamId: Int! }
  type Task @key(fields: "id", resolvable: false) { id: ID! }
`;

interface Team {
  id: string;
  name: string;
  members: string[];
  billingKeys: number[];
  renders: string[];
}

function teamsSchema(teams: Team[]) {
  const byId = new Map(teams.map((team) => [team.id, team]));
  return buildSubgraphSchema({
    typeDefs: parse(TEAMS_SDL),
    resolvers: {
      Query: { team: (_: unknown, { id }: { id: string }) => byId.get(id) ?? null },
      Team: {
        __resolveReference: ({ id }: { id: string }) => byId.get(id) ?? null,
        members: (team: Team) => team.members.map((username) => ({ username })),
        billingKeys: (team: Team) => team.billingKeys.map((upstreamId) => ({ upstreamId })),
        renders: (team: Team) => team.renders.map((id) => ({ id })),
        history: () => ({ edges: [{ cursor: 'c0', node: 'created' }], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: 'c0', endCursor: 'c0' } }),
      },
      User: {
        team: ({ username }: { username: string }) => teams.find((team) => team.members.includes(username)) ?? null,
      },
    } as any,
  });
}

// ---- a second foreign subgraph: the larger graph's Relay `node` owner, with projects of its own ----

/**
 * What a larger graph usually already has: `interface Node`, `Query.node`/`nodes` and a Relay
 * `PageInfo`. It answers `node` for every id in the graph: its own `Project`s itself, ours by
 * handing `{ __typename, id }` to the router, which fetches the rest from the yescale subgraph.
 */
const CATALOG_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])

  interface Node { id: ID! }

  type Query {
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    projects(first: Int): ProjectConnection!
  }

  type Project implements Node @key(fields: "id") { id: ID! name: String! billingKey: ApiKey }
  type ProjectConnection { edges: [ProjectEdge!]! pageInfo: PageInfo! }
  type ProjectEdge { cursor: String! node: Project! }
  "Relay's four fields, in another order than ours."
  type PageInfo @shareable { endCursor: String startCursor: String hasPreviousPage: Boolean! hasNextPage: Boolean! }

  # the yescale subgraph's Node entities, referenced by their global ID only
  type User implements Node @key(fields: "id", resolvable: false) { id: ID! }
  type ApiKey implements Node @key(fields: "id", resolvable: false) { id: ID! }
  type Task implements Node @key(fields: "id", resolvable: false) { id: ID! }
`;

/** Node ids this catalog hands to the yescale subgraph by their typename (a plain base64 `Type:id`, as Relay's). */
const YESCALE_NODES = new Set(['User', 'ApiKey', 'Task']);

function catalogSchema(projects: { id: string; name: string; billingKey: string }[]) {
  const byId = new Map(projects.map((project) => [encodeGlobalID('Project', project.id), project]));
  const project = (id: string) => {
    const found = byId.get(id);
    return found && { __typename: 'Project', id, name: found.name, billingKey: { id: found.billingKey } };
  };
  const node = (id: string) => {
    const typename = Buffer.from(id, 'base64').toString('utf8').split(':')[0];
    if (typename === 'Project') return project(id) ?? null;
    return YESCALE_NODES.has(typename) ? { __typename: typename, id } : null;
  };
  return buildSubgraphSchema({
    typeDefs: parse(CATALOG_SDL),
    resolvers: {
      Query: {
        node: (_: unknown, { id }: { id: string }) => node(id),
        nodes: (_: unknown, { ids }: { ids: string[] }) => ids.map(node),
        projects: () => {
          const edges = [...byId.keys()].map((id) => ({ cursor: id, node: project(id) }));
          return { edges, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
        },
      },
      Node: { __resolveType: (obj: { __typename: string }) => obj.__typename },
      Project: { __resolveReference: ({ id }: { id: string }) => project(id) ?? null },
    } as any,
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

// ---- the router: @apollo/gateway behind yoga, forwarding Authorization to every subgraph ----

/** Subgraph requests per subgraph name, so upstream call counts can be judged per `_entities` call. */
const subgraphRequests: Record<string, number> = {};

class AuthForwardingDataSource extends RemoteGraphQLDataSource<Partial<YogaInitialContext>> {
  override willSendRequest({ request, context }: { request: any; context: Partial<YogaInitialContext> }) {
    subgraphRequests[this.name] = (subgraphRequests[this.name] ?? 0) + 1;
    // What Router's `propagate: { named: "authorization" }` and Hive Gateway's propagateHeaders do.
    const authorization = context.request?.headers.get('authorization');
    if (authorization) request.http.headers.set('authorization', authorization);
  }
  constructor(readonly name: string, url: string) {
    // Node's own fetch: loopback only, no proxy or agent configuration involved.
    super({ url, fetcher: fetch as any });
  }
}

async function startRouter(gateway: ApolloGateway) {
  await gateway.load();
  // Subgraph errors pass through unmasked, as Router does with `include_subgraph_errors: { all: true }`.
  const yoga = createYoga({ plugins: [useApolloFederation({ gateway, logger: silent })], maskedErrors: false, logging: false, landingPage: false, graphiql: false });
  const server = createServer(yoga);
  const url = await listen(server);
  return {
    async query<T = any>(query: string, auth: string | null): Promise<GraphQLResponse<T>> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth !== null) headers.authorization = `Bearer ${auth}`;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
      return (await res.json()) as GraphQLResponse<T>;
    },
    async stop() {
      await close(server);
      await gateway.stop();
    },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

// ---- fixtures ----

let h: Harness;
let teamsServer: Server;
let teamsUrl: string;
let catalogServer: Server;
let catalogUrl: string;
let yescaleUrl: string;
let demoKeys: number[];
let adminKey: number;
let demoTasks: { id: string; status: string }[];

beforeAll(async () => {
  h = await startHarness();
  yescaleUrl = `${h.server.url}/graphql`;
  demoKeys = h.emulator.apiKeys('demo').slice(0, 5).map((key) => key.id);
  adminKey = h.emulator.apiKeys('admin')[0].id;
  demoTasks = h.emulator
    .tasks('demo')
    .slice(0, 4)
    .map((task) => ({ id: taskGlobalId(task), status: task.status }));
  const teams: Team[] = [
    {
      id: 'studio',
      name: 'Studio',
      members: ['demo', 'admin'],
      billingKeys: [...demoKeys, adminKey],
      renders: demoTasks.map((task) => task.id),
    },
  ];
  teamsServer = createServer(createYoga({ schema: teamsSchema(teams), logging: false, landingPage: false, graphiql: false }));
  teamsUrl = await listen(teamsServer);
  const catalog = catalogSchema([{ id: 'render-farm', name: 'Render farm', billingKey: encodeGlobalID('ApiKey', demoKeys[0]) }]);
  catalogServer = createServer(createYoga({ schema: catalog, logging: false, landingPage: false, graphiql: false }));
  catalogUrl = await listen(catalogServer);
});

afterAll(async () => {
  await close(teamsServer);
  await close(catalogServer);
  await h.close();
});

beforeEach(() => {
  h.reset();
  for (const name of Object.keys(subgraphRequests)) delete subgraphRequests[name];
});

const demo = () => h.emulator.demoAccessKey;
const userOf = (name: string) => h.emulator.users.find((u) => u.username === name)!;
const subgraphs = () => [
  { name: 'yescale', typeDefs: parse(printFederationSchema()), url: yescaleUrl },
  { name: 'teams', typeDefs: parse(TEAMS_SDL), url: teamsUrl },
];
const catalog = (sdl = CATALOG_SDL) => ({ name: 'catalog', typeDefs: parse(sdl), url: catalogUrl });

// ---- tests ----

describe('composition', () => {
  it('schema/subgraph.graphql composes with a foreign subgraph with no errors and no hints', () => {
    const result = composeServices(subgraphs());
    expect(result.errors).toBeUndefined();
    expect(result.hints!.map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);
    expect(result.supergraphSdl).toContain('@join__type(graph: TEAMS, key: "upstreamId", resolvable: false)');
  });

  it('a foreign PageInfo that is not @shareable is refused by composition: ours is shareable, theirs must be too', () => {
    const unshared = TEAMS_SDL.replace('type PageInfo @shareable', 'type PageInfo');
    const result = composeServices([subgraphs()[0], { ...subgraphs()[1], typeDefs: parse(unshared) }]);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(/Non-shareable field "PageInfo\.hasNextPage".*non-shareable in subgraph "teams"$/m);
  });
});

describe('_entities on the subgraph itself', () => {
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
    ... on User { username quotaUsd }
    ... on ApiKey { upstreamId name }
    ... on Task { id status }
  } }`;
  const entities = (representations: object[], auth: string | null = demo()) => h.gql(ENTITIES, { r: representations }, auth);

  it('any number of representations costs one upstream call per endpoint; what the caller cannot see is null', async () => {
    const keys = h.emulator.apiKeys('demo');
    const representations = [
      { __typename: 'User', username: 'demo' },
      { __typename: 'User', username: 'admin' },
      ...keys.map((key) => ({ __typename: 'ApiKey', id: encodeGlobalID('ApiKey', key.id) })),
      ...keys.map((key) => ({ __typename: 'ApiKey', upstreamId: key.id })),
      { __typename: 'ApiKey', upstreamId: adminKey },
      ...demoTasks.map((task) => ({ __typename: 'Task', id: task.id })),
      { __typename: 'Task', id: taskGlobalId(h.emulator.tasks('admin')[0]) },
    ];
    const res = await entities(representations);
    expect(res.errors).toBeUndefined();
    const got = res.data._entities;
    expect(got).toHaveLength(representations.length);
    expect(got[0]).toEqual({ username: 'demo', quotaUsd: h.emulator.user('demo').quota / 500_000 });
    expect(got[1]).toBeNull();
    const expectedKeys = keys.map((key) => ({ upstreamId: key.id, name: key.name }));
    expect(got.slice(2, 2 + keys.length)).toEqual(expectedKeys);
    expect(got.slice(2 + keys.length, 2 + 2 * keys.length)).toEqual(expectedKeys);
    expect(got[2 + 2 * keys.length]).toBeNull();
    expect(got.slice(3 + 2 * keys.length, -1)).toEqual(demoTasks);
    expect(got.at(-1)).toBeNull();
    expect(h.calls()).toEqual({ '/yescale/user': 1, '/yescale/apikeylist': 1, '/yescale/task': 1 });
  });

  it('the credential decides: the same reference resolves for its owner only', async () => {
    const admin = userOf('admin');
    const res = await entities([{ __typename: 'User', username: 'admin' }, { __typename: 'ApiKey', upstreamId: adminKey }], admin.accessKey);
    expect(res.errors).toBeUndefined();
    expect(res.data._entities[0].username).toBe('admin');
    expect(res.data._entities[1]).toEqual({ upstreamId: adminKey, name: h.emulator.apiKeys('admin')[0].name });
  });

  it('a malformed key is BAD_USER_INPUT for that representation only, before any upstream call', async () => {
    const res = await entities([
      { __typename: 'ApiKey', id: 'not-a-global-id' },
      { __typename: 'Task', id: encodeGlobalID('ApiKey', 3) },
      { __typename: 'ApiKey', upstreamId: -1 },
      { __typename: 'User', id: encodeGlobalID('ApiKey', 3) },
    ]);
    expect(res.data._entities).toEqual([null, null, null, null]);
    expect(res.errors!.map((e) => [e.path, e.extensions?.code, e.extensions?.argument])).toEqual([
      [['_entities', 0], 'BAD_USER_INPUT', 'representations'],
      [['_entities', 1], 'BAD_USER_INPUT', 'representations'],
      [['_entities', 2], 'BAD_USER_INPUT', 'representations'],
      [['_entities', 3], 'BAD_USER_INPUT', 'representations'],
    ]);
    expect(res.errors![3].message).toContain('is not a User ID');
    expect(res.errors![1].message).toContain('is not a Task ID');
    expect(h.calls()).toEqual({});
  });

  it('without Authorization every entity is UNAUTHENTICATED and nothing reaches the upstream', async () => {
    const res = await entities([{ __typename: 'User', username: 'demo' }, { __typename: 'ApiKey', upstreamId: demoKeys[0] }, { __typename: 'Task', id: demoTasks[0].id }], null);
    expect(res.data._entities).toEqual([null, null, null]);
    expect(res.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(h.calls()).toEqual({});
  });

  it('_service.sdl is the committed schema/subgraph.graphql', async () => {
    const res = await h.gql('{ _service { sdl } }', {}, null);
    expect(res.data._service.sdl.trim()).toBe(printFederationSchema().trim());
  });
});

describe('through @apollo/gateway', () => {
  let router: Awaited<ReturnType<typeof startRouter>>;
  beforeAll(async () => {
    const { supergraphSdl, errors } = composeServices(subgraphs());
    expect(errors).toBeUndefined();
    router = await startRouter(
      new ApolloGateway({ supergraphSdl: supergraphSdl!, buildService: ({ name, url }) => new AuthForwardingDataSource(name, url!), logger: silent }),
    );
  });
  afterAll(() => router.stop());

  const TEAM = `{ team(id: "studio") {
    name
    members { username quotaUsd }
    billingKeys { upstreamId name status }
    renders { id status }
    history { pageInfo { hasNextPage } }
  } }`;

  it('joins a foreign team with the caller\'s user, keys and tasks; one upstream call per endpoint', async () => {
    const res = await router.query(TEAM, demo());
    expect(res.errors).toBeUndefined();
    const demoUser = h.emulator.user('demo');
    const keys = new Map(h.emulator.apiKeys('demo').map((key) => [key.id, key]));
    expect(res.data.team).toEqual({
      name: 'Studio',
      // admin is a member, but not visible to demo's credential
      members: [{ username: 'demo', quotaUsd: demoUser.quota / 500_000 }, null],
      billingKeys: [
        ...demoKeys.map((id) => ({ upstreamId: id, name: keys.get(id)!.name, status: expect.any(String) })),
        null,
      ],
      renders: demoTasks,
      history: { pageInfo: { hasNextPage: false } },
    });
    // the router fetches each entity type from this subgraph once, and each fetch costs one call
    expect(subgraphRequests).toEqual({ teams: 1, yescale: 3 });
    expect(h.calls()).toEqual({ '/yescale/user': 1, '/yescale/apikeylist': 1, '/yescale/task': 1 });
  });

  it('the Authorization the router propagates is the one the subgraph uses', async () => {
    // `role` is ours: a bare `username` would be answered by the teams subgraph alone
    const res = await router.query(`{ me { username team { name } } team(id: "studio") { members { username role } } }`, userOf('admin').accessKey);
    expect(res.errors).toBeUndefined();
    expect(res.data.me).toEqual({ username: 'admin', team: { name: 'Studio' } });
    expect(res.data.team.members).toEqual([null, { username: 'admin', role: 'ADMIN' }]);
  });

  it('without Authorization: the foreign fields resolve, ours are UNAUTHENTICATED, no crash', async () => {
    const res = await router.query(`{ team(id: "studio") { name members { username quotaUsd } } me { username } }`, null);
    expect(res.data.team.name).toBe('Studio');
    expect(res.data.team.members).toEqual([null, null]);
    expect(res.data.me).toBeNull();
    expect(res.errors!.map((e) => [e.path, e.extensions?.code, e.extensions?.serviceName])).toEqual([
      [['me'], 'UNAUTHENTICATED', 'yescale'],
      [['team', 'members', 0], 'UNAUTHENTICATED', 'yescale'],
      [['team', 'members', 1], 'UNAUTHENTICATED', 'yescale'],
    ]);
    expect(res.errors!.find((e) => e.path?.[0] === 'me')!.message).toMatch(/Authorization/);
    expect(h.calls()).toEqual({});
    // the subgraph is still alive and answers the next caller
    expect((await router.query(`{ me { username } }`, demo())).data.me.username).toBe('demo');
  });
});

describe('IntrospectAndCompose against the running servers', () => {
  it('composes from `_service { sdl }` and serves the joined graph', async () => {
    const router = await startRouter(
      new ApolloGateway({
        supergraphSdl: new IntrospectAndCompose({ subgraphs: [{ name: 'yescale', url: yescaleUrl }, { name: 'teams', url: teamsUrl }] }),
        buildService: ({ name, url }) => new AuthForwardingDataSource(name, url!),
        logger: silent,
      }),
    );
    try {
      const res = await router.query(`{ me { username quotaUsd team { name billingKeys { name } } } }`, demo());
      expect(res.errors).toBeUndefined();
      expect(res.data.me.username).toBe('demo');
      expect(res.data.me.team.name).toBe('Studio');
      expect(res.data.me.team.billingKeys.filter(Boolean)).toHaveLength(demoKeys.length);
    } finally {
      await router.stop();
    }
  });
});

describe('beside a subgraph that owns Relay\'s `node`', () => {
  const all = () => [...subgraphs(), catalog()];

  it('composes with no errors and no hints: Query.node is the catalog\'s, Node and PageInfo merge', () => {
    const result = composeServices(all());
    expect(result.errors).toBeUndefined();
    expect(result.hints!.map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);
    expect(result.supergraphSdl).toMatch(/^\s+node\(id: ID!\): Node @join__field\(graph: CATALOG\)$/m);
    expect(result.supergraphSdl).toMatch(/^\s+nodes\(ids: \[ID!\]!\): \[Node\]! @join__field\(graph: CATALOG\)$/m);
    expect(result.supergraphSdl).toContain('@join__type(graph: CATALOG, key: "id", resolvable: false)');
  });

  it('composes with @theguild/federation-composition too (what Hive Gateway and Hive schema registry use)', async () => {
    const { composeServices: composeWithHive } = await import('@theguild/federation-composition');
    const result = composeWithHive(all());
    expect('errors' in result ? result.errors?.map((e) => e.message) : undefined).toBeUndefined();
    expect(result.supergraphSdl).toMatch(/node\(id: ID!\): Node @join__field\(graph: CATALOG\)/);
  });

  it('the served schema, which keeps Query.node for direct clients, would not compose: that is why the subgraph SDL leaves it out', () => {
    const served = printSubgraphSchemaOf(schema);
    expect(served).toMatch(/^\s+node\(id: ID!\): Node$/m);
    expect(printFederationSchema()).not.toMatch(/^\s+nodes?\(/m);
    const result = composeServices([{ ...subgraphs()[0], typeDefs: parse(served) }, catalog()]);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(/Non-shareable field "Query\.node" is resolved from multiple subgraphs/);
  });

  it('a foreign PageInfo with a field beyond Relay\'s four composes only when that field is @inaccessible', () => {
    const extra = (directive: string) =>
      CATALOG_SDL.replace('"@shareable"]', '"@shareable", "@inaccessible"]').replace('hasNextPage: Boolean! }', `hasNextPage: Boolean! totalCount: Int ${directive} }`);
    // our connections (`logs`) could not answer `pageInfo { totalCount }`
    expect(composeServices([subgraphs()[0], catalog(extra(''))]).errors?.map((e) => e.message).join('\n')).toMatch(/cannot find field "PageInfo\.totalCount"/);
    expect(composeServices([subgraphs()[0], catalog(extra('@inaccessible'))]).errors).toBeUndefined();
  });

  it('a direct client of the gateway still has `node`', async () => {
    const res = await h.gql('query($id: ID!) { node(id: $id) { id ... on ApiKey { upstreamId } } }', { id: encodeGlobalID('ApiKey', demoKeys[0]) }, demo());
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toEqual({ id: encodeGlobalID('ApiKey', demoKeys[0]), upstreamId: demoKeys[0] });
  });

  describe('through @apollo/gateway', () => {
    let router: Awaited<ReturnType<typeof startRouter>>;
    beforeAll(async () => {
      const { supergraphSdl, errors } = composeServices(all());
      expect(errors).toBeUndefined();
      router = await startRouter(
        new ApolloGateway({ supergraphSdl: supergraphSdl!, buildService: ({ name, url }) => new AuthForwardingDataSource(name, url!), logger: silent }),
      );
    });
    afterAll(() => router.stop());

    it('the catalog\'s node/nodes resolve our ids through our entities, with the caller\'s credential', async () => {
      const ids = [
        encodeGlobalID('User', 'demo'),
        encodeGlobalID('ApiKey', demoKeys[1]),
        demoTasks[0].id,
        encodeGlobalID('Project', 'render-farm'),
        encodeGlobalID('User', 'admin'),
      ];
      const res = await router.query(
        `{
          node(id: "${encodeGlobalID('ApiKey', demoKeys[0])}") { id ... on ApiKey { upstreamId } }
          nodes(ids: ${JSON.stringify(ids)}) {
            __typename id
            ... on User { username quotaUsd }
            ... on ApiKey { upstreamId name }
            ... on Task { status }
            ... on Project { name billingKey { upstreamId } }
          }
          projects { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
          me { logs(first: 1) { pageInfo { hasNextPage hasPreviousPage } } }
        }`,
        demo(),
      );
      expect(res.errors).toBeUndefined();
      const keys = new Map(h.emulator.apiKeys('demo').map((key) => [key.id, key]));
      expect(res.data).toEqual({
        node: { id: encodeGlobalID('ApiKey', demoKeys[0]), upstreamId: demoKeys[0] },
        nodes: [
          { __typename: 'User', id: ids[0], username: 'demo', quotaUsd: h.emulator.user('demo').quota / 500_000 },
          { __typename: 'ApiKey', id: ids[1], upstreamId: demoKeys[1], name: keys.get(demoKeys[1])!.name },
          { __typename: 'Task', id: ids[2], status: demoTasks[0].status },
          { __typename: 'Project', id: ids[3], name: 'Render farm', billingKey: { upstreamId: demoKeys[0] } },
          // another account's id: our entity is null for this caller, so the list item is
          null,
        ],
        projects: {
          edges: [{ node: { name: 'Render farm' } }],
          pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: ids[3], endCursor: ids[3] },
        },
        // PageInfo from our side of the same supergraph
        me: { logs: { pageInfo: { hasNextPage: true, hasPreviousPage: false } } },
      });
      // one catalog fetch; ours: `me`, and one `_entities` each for node, nodes and Project.billingKey
      expect(subgraphRequests).toEqual({ catalog: 1, yescale: 4 });
      // the `nodes` fetch (four references of three types) costs one call per endpoint, so no
      // endpoint is called more often than the fetches that need it
      const calls = h.calls();
      expect(Object.keys(calls).sort()).toEqual(['/yescale/apikeylist', '/yescale/logs', '/yescale/task', '/yescale/user']);
      expect(calls['/yescale/task']).toBe(1);
      expect(calls['/yescale/logs']).toBe(1);
      expect(calls['/yescale/user']).toBeLessThanOrEqual(2);
      expect(calls['/yescale/apikeylist']).toBeLessThanOrEqual(3);
    });
  });
});

// ---- a second federation engine: Hive Gateway's runtime on a supergraph from The Guild's composition ----

describe('through Hive Gateway', () => {
  let hive: ReturnType<typeof createGatewayRuntime>;
  beforeAll(async () => {
    const { composeServices: composeWithHive } = await import('@theguild/federation-composition');
    const result = composeWithHive([...subgraphs(), catalog()]);
    expect('errors' in result ? result.errors?.map((e) => e.message) : undefined).toBeUndefined();
    hive = createGatewayRuntime({
      supergraph: result.supergraphSdl!,
      // Hive Gateway's documented way to forward the caller's credential to the subgraphs.
      propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? '' }) },
      maskedErrors: false,
      logging: false,
    });
  });
  afterAll(() => hive.dispose());

  const query = async (source: string, auth: string | null): Promise<GraphQLResponse> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    const res = await hive.fetch('http://hive.test/graphql', { method: 'POST', headers, body: JSON.stringify({ query: source }) });
    return (await res.json()) as GraphQLResponse;
  };

  it('joins a foreign team with the caller\'s user, keys and tasks, and the catalog\'s node resolves our ids', async () => {
    const res = await query(
      `{
        team(id: "studio") { name members { username quotaUsd } billingKeys { upstreamId } renders { id status } }
        node(id: "${encodeGlobalID('ApiKey', demoKeys[0])}") { id ... on ApiKey { upstreamId name } }
      }`,
      demo(),
    );
    // Hive Gateway nulls a reference our subgraph resolved to null (admin, not visible to demo)
    // with an error at that path, where @apollo/gateway nulls it silently; no admin data either way.
    expect(res.errors?.map((e) => e.path)).toEqual([['team', 'members', 1, 'quotaUsd']]);
    const demoUser = h.emulator.user('demo');
    expect(res.data.team).toEqual({
      name: 'Studio',
      members: [{ username: 'demo', quotaUsd: demoUser.quota / 500_000 }, null],
      // key fields only: the teams subgraph holds them, nothing is asked of ours
      billingKeys: [...demoKeys, adminKey].map((id) => ({ upstreamId: id })),
      renders: demoTasks,
    });
    expect(res.data.node).toEqual({ id: encodeGlobalID('ApiKey', demoKeys[0]), upstreamId: demoKeys[0], name: h.emulator.apiKeys('demo')[0].name });
  });

  it('another caller\'s credential sees its own data only; without one ours is UNAUTHENTICATED; no crash', async () => {
    const admin = await query('{ team(id: "studio") { members { username displayName } } }', userOf('admin').accessKey);
    // demo's username is the teams subgraph's key field; demo's profile is not admin's to see
    expect(admin.data.team.members).toEqual([
      { username: 'demo', displayName: null },
      { username: 'admin', displayName: h.emulator.user('admin').display_name },
    ]);
    const anonymous = await query('{ team(id: "studio") { name members { username displayName } } }', null);
    expect(anonymous.data.team.name).toBe('Studio');
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
  });
});
