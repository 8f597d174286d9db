/**
 * Every GraphQL document EnvSync sends, with the shapes it reads back. Shapes come from GitLab's
 * own GraphQL type definitions; where GitLab changes one, this module is the one edit. The test
 * stand-in validates each document against GitLab's schema (18.9 and newer). Production GitLab
 * refuses introspection (`__type`, `__schema`), so nothing here asks the schema about itself.
 */
export interface GraphQLOperation<TData, TVars> {
  name: string;
  kind: "query" | "mutation";
  document: string;
  /** Type-level only. */
  readonly _types?: { data: TData; vars: TVars };
}

/** The data type an operation answers with. */
export type DataOf<O> = O extends GraphQLOperation<infer D, unknown> ? D : never;

const op = <TData, TVars>(
  kind: "query" | "mutation",
  name: string,
  body: string,
): GraphQLOperation<TData, TVars> => ({
  name,
  kind,
  document: `${kind} ${name}${body}`,
});

type Payload<K extends string, T> = Record<K, (T & { errors: string[] }) | null>;

export interface CatalogItemNode {
  id: string;
  name: string;
  description: string;
  itemType: "AGENT" | "FLOW" | "THIRD_PARTY_FLOW";
  project: { id: string } | null;
  latestVersion: {
    id: string;
    versionName: string | null;
    released: boolean | null;
    definition?: string | null;
    systemPrompt?: string | null;
    userPrompt?: string | null;
    tools?: { nodes: { id: string }[] } | null;
  } | null;
}

export const CATALOG_ITEMS = op<
  {
    aiCatalogItems: {
      nodes: CatalogItemNode[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  },
  { search: string; after: string | null }
>(
  "query",
  "EnvsyncCatalogItems",
  `($search: String, $after: String) {
  aiCatalogItems(search: $search, first: 100, after: $after) {
    nodes {
      id name description itemType project { id }
      latestVersion {
        id versionName released
        ... on AiCatalogFlowVersion { definition }
        ... on AiCatalogAgentVersion { systemPrompt userPrompt tools { nodes { id } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/**
 * The built-in tools catalog agents may use. `name` is the tool's own key (`ci_linter`); `title`
 * ("CI Linter") is renamed between GitLab versions. The field itself may be null.
 */
export const BUILT_IN_TOOLS = op<
  {
    aiCatalogBuiltInTools: {
      nodes: { id: string; name: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    } | null;
  },
  { after: string | null }
>(
  "query",
  "EnvsyncBuiltInTools",
  `($after: String) {
  aiCatalogBuiltInTools(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`,
);

export interface ConsumerNode {
  id: string;
  item: { id: string; name: string } | null;
  serviceAccount: { username: string } | null;
}

export const CONFIGURED_ITEMS = op<
  {
    aiCatalogConfiguredItems: {
      nodes: ConsumerNode[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  },
  { projectId: string | null; groupId: string | null; after: string | null }
>(
  "query",
  "EnvsyncConfiguredItems",
  `($projectId: ProjectID, $groupId: GroupID, $after: String) {
  aiCatalogConfiguredItems(projectId: $projectId, groupId: $groupId, includeInherited: false, first: 100, after: $after) {
    nodes { id item { id name } serviceAccount { username } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

const ITEM_FIELDS = "item { id name latestVersion { id versionName } }";

export const FLOW_CREATE = op<
  Payload<"aiCatalogFlowCreate", { item: { id: string; name: string } | null }>,
  { input: Record<string, unknown> }
>(
  "mutation",
  "EnvsyncFlowCreate",
  `($input: AiCatalogFlowCreateInput!) {
  aiCatalogFlowCreate(input: $input) { errors ${ITEM_FIELDS} }
}`,
);

export const FLOW_UPDATE = op<
  Payload<"aiCatalogFlowUpdate", { item: { id: string; name: string } | null }>,
  { input: Record<string, unknown> }
>(
  "mutation",
  "EnvsyncFlowUpdate",
  `($input: AiCatalogFlowUpdateInput!) {
  aiCatalogFlowUpdate(input: $input) { errors ${ITEM_FIELDS} }
}`,
);

export const AGENT_CREATE = op<
  Payload<"aiCatalogAgentCreate", { item: { id: string; name: string } | null }>,
  { input: Record<string, unknown> }
>(
  "mutation",
  "EnvsyncAgentCreate",
  `($input: AiCatalogAgentCreateInput!) {
  aiCatalogAgentCreate(input: $input) { errors ${ITEM_FIELDS} }
}`,
);

export const AGENT_UPDATE = op<
  Payload<"aiCatalogAgentUpdate", { item: { id: string; name: string } | null }>,
  { input: Record<string, unknown> }
>(
  "mutation",
  "EnvsyncAgentUpdate",
  `($input: AiCatalogAgentUpdateInput!) {
  aiCatalogAgentUpdate(input: $input) { errors ${ITEM_FIELDS} }
}`,
);

export const CONSUMER_CREATE = op<
  Payload<"aiCatalogItemConsumerCreate", { itemConsumer: ConsumerNode | null }>,
  { input: Record<string, unknown> }
>(
  "mutation",
  "EnvsyncConsumerCreate",
  `($input: AiCatalogItemConsumerCreateInput!) {
  aiCatalogItemConsumerCreate(input: $input) { errors itemConsumer { id item { id name } serviceAccount { username } } }
}`,
);

export interface StatusProjectNode {
  webUrl: string;
  repository: Record<
    string,
    {
      lastCommit: { sha: string; title: string; committedDate: string; webPath: string } | null;
    } | null
  > | null;
  [alias: string]: unknown;
}

export interface StatusPipeline {
  iid: string;
  status: string;
  createdAt: string;
  path: string | null;
}

export interface StatusDeployment {
  iid: string;
  createdAt: string;
  finishedAt: string | null;
  ref: string | null;
  sha: string | null;
}

/** GitLab's complexity limit for a signed-in request (GitlabSchema::AUTHENTICATED_COMPLEXITY). */
export const MAX_QUERY_COMPLEXITY = 250;

/**
 * What GitLab scores `statusQuery` for projects with these environment counts. Per project:
 * `project` (resolver, 1), `webUrl` (1), `repository` (1); per environment: `tree` (resolver that
 * calls Gitaly, 2) with `lastCommit` (constant 10) and its 4 fields = 16; `pipelines(ref, first: 1)`
 * (resolver 1, +2 for `ref`, nodes 1 + 4 fields, ×1.01) = 8; `environment` (resolver, 1) with
 * `lastDeployment` (resolver, 1) and its 5 fields = 7.
 */
export function statusQueryComplexity(environmentCounts: readonly number[]): number {
  return environmentCounts.reduce((sum, envs) => sum + 3 + envs * (16 + 8 + 7), 0);
}

/**
 * Branch heads, latest pipelines and last successful deployments of every environment of several
 * projects in one request: one alias per project (p0, p1, ...) and per environment (h0, l0, d0, ...).
 */
export function statusQuery(
  projects: readonly { environments: readonly unknown[] }[],
): GraphQLOperation<Record<string, StatusProjectNode | null>, Record<string, string>> {
  const vars: string[] = [];
  const parts = projects.map((project, p) => {
    vars.push(`$path${p}: ID!`);
    const envs = project.environments.map((_, e) => {
      vars.push(`$ref${p}_${e}: String!`, `$env${p}_${e}: String!`);
      return {
        head: `h${e}: tree(ref: $ref${p}_${e}) { lastCommit { sha title committedDate webPath } }`,
        rest: `l${e}: pipelines(ref: $ref${p}_${e}, first: 1) { nodes { iid status createdAt path } }
    d${e}: environment(name: $env${p}_${e}) { lastDeployment(status: SUCCESS) { iid createdAt finishedAt ref sha } }`,
      };
    });
    return `  p${p}: project(fullPath: $path${p}) {
    webUrl
    repository { ${envs.map((e) => e.head).join(" ")} }
    ${envs.map((e) => e.rest).join("\n    ")}
  }`;
  });
  return op("query", "EnvsyncStatus", `(${vars.join(", ")}) {\n${parts.join("\n")}\n}`);
}

export const PROJECT_ID = op<{ project: { id: string } | null }, { path: string }>(
  "query",
  "EnvsyncProjectId",
  `($path: ID!) { project(fullPath: $path) { id } }`,
);

export const GROUP_ID = op<{ group: { id: string } | null }, { path: string }>(
  "query",
  "EnvsyncGroupId",
  `($path: ID!) { group(fullPath: $path) { id } }`,
);

/** Every fixed document, so tests can validate each against the stand-in's schema. */
export const ALL_OPERATIONS: readonly GraphQLOperation<unknown, unknown>[] = [
  CATALOG_ITEMS,
  BUILT_IN_TOOLS,
  CONFIGURED_ITEMS,
  FLOW_CREATE,
  FLOW_UPDATE,
  AGENT_CREATE,
  AGENT_UPDATE,
  CONSUMER_CREATE,
  PROJECT_ID,
  GROUP_ID,
] as GraphQLOperation<unknown, unknown>[];
