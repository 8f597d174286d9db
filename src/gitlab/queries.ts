/**
 * Every GraphQL document EnvSync sends, with the shapes it reads back. Shapes come from GitLab's
 * own GraphQL type definitions; where GitLab changes one, this module is the one edit. Each answer
 * is checked against its shape (zod) before anything reads it: a GitLab that answers otherwise, or
 * a server that is not GitLab, gets a clear error naming the request, never a crash further on.
 * The test stand-in validates each document against GitLab's schema (18.9 and newer). Production
 * GitLab refuses introspection (`__type`, `__schema`), so nothing here asks the schema about itself.
 */
import * as z from "zod";

export interface GraphQLOperation<TData, TVars> {
  name: string;
  kind: "query" | "mutation";
  document: string;
  /** What EnvSync reads back: `data` is checked against it. */
  answer: z.ZodType<TData>;
  /** What to check when GitLab answers this operation with errors. */
  hint: string;
  /** Type-level only. */
  readonly _types?: { vars: TVars };
}

/** The data type an operation answers with. */
export type DataOf<O> = O extends GraphQLOperation<infer D, unknown> ? D : never;

/** An operation with variables `TVars` whose answer has the shape of `answer`. */
const op =
  <TVars>() =>
  <S extends z.ZodType>(
    kind: "query" | "mutation",
    name: string,
    answer: S,
    body: string,
    hint = PROJECT_HINT,
  ): GraphQLOperation<z.output<S>, TVars> => ({
    name,
    kind,
    document: `${kind} ${name}${body}`,
    answer: answer as z.ZodType<z.output<S>>,
    hint,
  });

const PROJECT_HINT =
  "check the project and group paths in envsync.yaml and that the token's user can read them";
const CATALOG_HINT =
  "your GitLab may not offer this API yet (the AI Catalog needs GitLab 18.5+ with Duo Agent Platform), or the token lacks access";

const PAGE_INFO = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
/** A connection's `nodes`: GitLab types each node nullable; a null one carries nothing to read. */
const nodesOf = <S extends z.ZodType>(node: S) =>
  z.array(node.nullable()).transform((nodes) => nodes.filter((n): n is z.output<S> => n !== null));

/** A mutation payload: GitLab reports refusals in `errors` with HTTP 200. */
const payload = <K extends string, S extends z.ZodRawShape>(key: K, shape: S) =>
  z.object({ [key]: z.object({ errors: z.array(z.string()), ...shape }).nullable() } as {
    [P in K]: z.ZodNullable<z.ZodObject<S & { errors: z.ZodArray<z.ZodString> }>>;
  });

const CATALOG_ITEM = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  // A string, not GitLab's enum: a new kind of item must not make every listing fail.
  itemType: z.string(),
  project: z.object({ id: z.string() }).nullable(),
  latestVersion: z
    .object({
      id: z.string(),
      versionName: z.string().nullable(),
      released: z.boolean().nullable(),
      definition: z.string().nullable().optional(),
      systemPrompt: z.string().nullable().optional(),
      userPrompt: z.string().nullable().optional(),
      tools: z
        .object({ nodes: nodesOf(z.object({ id: z.string() })) })
        .nullable()
        .optional(),
    })
    .nullable(),
});
export type CatalogItemNode = z.output<typeof CATALOG_ITEM>;

export const CATALOG_ITEMS = op<{ search: string; after: string | null }>()(
  "query",
  "EnvsyncCatalogItems",
  z.object({ aiCatalogItems: z.object({ nodes: nodesOf(CATALOG_ITEM), pageInfo: PAGE_INFO }) }),
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
  CATALOG_HINT,
);

/**
 * The built-in tools catalog agents may use. `name` is the tool's own key (`ci_linter`); `title`
 * ("CI Linter") is renamed between GitLab versions. The field itself may be null.
 */
export const BUILT_IN_TOOLS = op<{ after: string | null }>()(
  "query",
  "EnvsyncBuiltInTools",
  z.object({
    aiCatalogBuiltInTools: z
      .object({
        nodes: nodesOf(z.object({ id: z.string(), name: z.string() })),
        pageInfo: PAGE_INFO,
      })
      .nullable(),
  }),
  `($after: String) {
  aiCatalogBuiltInTools(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`,
  CATALOG_HINT,
);

const CONSUMER = z.object({
  id: z.string(),
  item: z.object({ id: z.string(), name: z.string() }).nullable(),
  // The id is what an 18.9 flow trigger names as its user.
  serviceAccount: z.object({ username: z.string(), id: z.string().optional() }).nullable(),
});
export type ConsumerNode = z.output<typeof CONSUMER>;

export const CONFIGURED_ITEMS = op<{
  projectId: string | null;
  groupId: string | null;
  after: string | null;
}>()(
  "query",
  "EnvsyncConfiguredItems",
  z.object({
    aiCatalogConfiguredItems: z.object({ nodes: nodesOf(CONSUMER), pageInfo: PAGE_INFO }),
  }),
  `($projectId: ProjectID, $groupId: GroupID, $after: String) {
  aiCatalogConfiguredItems(projectId: $projectId, groupId: $groupId, includeInherited: false, first: 100, after: $after) {
    nodes { id item { id name } serviceAccount { id username } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  CATALOG_HINT,
);

const ITEM_FIELDS = "item { id name latestVersion { id versionName } }";
const ITEM = { item: z.object({ id: z.string(), name: z.string() }).nullable() };

export const FLOW_CREATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncFlowCreate",
  payload("aiCatalogFlowCreate", ITEM),
  `($input: AiCatalogFlowCreateInput!) {
  aiCatalogFlowCreate(input: $input) { errors ${ITEM_FIELDS} }
}`,
  CATALOG_HINT,
);

export const FLOW_UPDATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncFlowUpdate",
  payload("aiCatalogFlowUpdate", ITEM),
  `($input: AiCatalogFlowUpdateInput!) {
  aiCatalogFlowUpdate(input: $input) { errors ${ITEM_FIELDS} }
}`,
  CATALOG_HINT,
);

export const AGENT_CREATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncAgentCreate",
  payload("aiCatalogAgentCreate", ITEM),
  `($input: AiCatalogAgentCreateInput!) {
  aiCatalogAgentCreate(input: $input) { errors ${ITEM_FIELDS} }
}`,
  CATALOG_HINT,
);

export const AGENT_UPDATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncAgentUpdate",
  payload("aiCatalogAgentUpdate", ITEM),
  `($input: AiCatalogAgentUpdateInput!) {
  aiCatalogAgentUpdate(input: $input) { errors ${ITEM_FIELDS} }
}`,
  CATALOG_HINT,
);

export const CONSUMER_CREATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncConsumerCreate",
  payload("aiCatalogItemConsumerCreate", { itemConsumer: CONSUMER.nullable() }),
  `($input: AiCatalogItemConsumerCreateInput!) {
  aiCatalogItemConsumerCreate(input: $input) { errors itemConsumer { id item { id name } serviceAccount { username } } }
}`,
  CATALOG_HINT,
);

/**
 * A path on the instance, joined to its origin for links: one leading slash, so no answer can turn
 * `origin + path` into a link to another host (`//evil`, `@evil`).
 */
const WEB_PATH = z.string().regex(/^\/(?![/\\])/, "expected a path starting with one /");

const STATUS_COMMIT = z.object({
  sha: z.string(),
  title: z.string(),
  committedDate: z.string(),
  webPath: WEB_PATH,
});
const STATUS_PIPELINE = z.object({
  iid: z.string(),
  status: z.string(),
  createdAt: z.string(),
  path: WEB_PATH.nullable(),
});
const STATUS_DEPLOYMENT = z.object({
  iid: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  ref: z.string().nullable(),
  sha: z.string().nullable(),
});
export type StatusPipeline = z.output<typeof STATUS_PIPELINE>;
export type StatusDeployment = z.output<typeof STATUS_DEPLOYMENT>;

/** One project of a status answer, its environments in the order asked. */
export interface StatusProjectNode {
  webUrl: string;
  /**
   * GitLab withheld the repository (and with it pipelines and environments): a project always has
   * one, so a null one is a token whose scopes do not reach it (a Duo flow job's), not an answer.
   */
  withheld: boolean;
  /** Where the deployments came from, when not from GraphQL. */
  deploymentsFrom?: "deployments" | "deploy jobs";
  environments: {
    head: z.output<typeof STATUS_COMMIT> | null;
    pipeline: StatusPipeline | null;
    deployment: StatusDeployment | null;
  }[];
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
 * The answer comes back as one node per project, in order (null where GitLab has no such project).
 */
export function statusQuery(
  projects: readonly { environments: readonly unknown[] }[],
): GraphQLOperation<(StatusProjectNode | null)[], Record<string, string>> {
  const counts = projects.map((p) => p.environments.length);
  const key = counts.join(",");
  let operation = statusQueries.get(key);
  if (!operation) {
    operation = makeStatusQuery(counts);
    statusQueries.set(key, operation);
  }
  return operation;
}

// A fleet asks the same shape thousands of times; build each document and its check once.
const statusQueries = new Map<string, ReturnType<typeof makeStatusQuery>>();

function makeStatusQuery(counts: readonly number[]) {
  const vars: string[] = [];
  const parts = counts.map((envCount, p) => {
    vars.push(`$path${p}: ID!`);
    const envs = Array.from({ length: envCount }, (_, e) => {
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
  const answer = z
    .object(Object.fromEntries(counts.map((envCount, p) => [`p${p}`, statusNode(envCount)])))
    .transform((data) => counts.map((_, p) => data[`p${p}`] ?? null));
  return op<Record<string, string>>()(
    "query",
    "EnvsyncStatus",
    answer as z.ZodType<(StatusProjectNode | null)[]>,
    `(${vars.join(", ")}) {\n${parts.join("\n")}\n}`,
  );
}

/** One project's aliases (h0 under repository, l0, d0 beside it) as a list of environments. */
function statusNode(envCount: number) {
  const indexes = Array.from({ length: envCount }, (_, e) => e);
  const tree = z.object({ lastCommit: STATUS_COMMIT.nullable() }).nullable();
  const pipelines = z.object({ nodes: nodesOf(STATUS_PIPELINE) }).nullable();
  const environment = z.object({ lastDeployment: STATUS_DEPLOYMENT.nullable() }).nullable();
  return z
    .object({
      webUrl: z.url({ protocol: /^https?$/ }),
      repository: z.object(Object.fromEntries(indexes.map((e) => [`h${e}`, tree]))).nullable(),
      ...Object.fromEntries(
        indexes.flatMap((e) => [
          [`l${e}`, pipelines],
          [`d${e}`, environment],
        ]),
      ),
    })
    .nullable()
    .transform((checked): StatusProjectNode | null => {
      // Checked above; the aliases are built at run time, so their types are spelled out here.
      const node = checked as {
        webUrl: string;
        repository: Record<string, unknown> | null;
        [alias: string]: unknown;
      } | null;
      if (!node) return null;
      const at = <T>(record: Record<string, unknown> | null, alias: string) =>
        (record?.[alias] ?? null) as T | null;
      return {
        webUrl: node.webUrl,
        withheld: node.repository === null,
        environments: indexes.map((e) => ({
          head: at<z.output<typeof tree>>(node.repository, `h${e}`)?.lastCommit ?? null,
          pipeline: at<z.output<typeof pipelines>>(node, `l${e}`)?.nodes[0] ?? null,
          deployment: at<z.output<typeof environment>>(node, `d${e}`)?.lastDeployment ?? null,
        })),
      };
    });
}

export const PROJECT_ID = op<{ path: string }>()(
  "query",
  "EnvsyncProjectId",
  z.object({ project: z.object({ id: z.string() }).nullable() }),
  `($path: ID!) { project(fullPath: $path) { id } }`,
);

export const GROUP_ID = op<{ path: string }>()(
  "query",
  "EnvsyncGroupId",
  z.object({ group: z.object({ id: z.string() }).nullable() }),
  `($path: ID!) { group(fullPath: $path) { id } }`,
);

const TRIGGER_HINT =
  "flow triggers need GitLab 18.3+ with the ai_flow_triggers feature, and a token whose user is a Maintainer of the project";

const FLOW_TRIGGER = z.object({
  id: z.string(),
  description: z.string(),
  eventTypes: z.array(z.number().int()),
  aiCatalogItemConsumer: z.object({ id: z.string() }).nullable(),
  user: z.object({ id: z.string() }).nullable(),
  filter: z.unknown().optional(),
});
export type FlowTriggerNode = z.output<typeof FLOW_TRIGGER>;

const flowTriggers = (filter: boolean) =>
  `($path: ID!, $after: String) {
  project(fullPath: $path) {
    aiFlowTriggers(first: 100, after: $after) {
      nodes { id description eventTypes aiCatalogItemConsumer { id } user { id }${filter ? " filter" : ""} }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const FLOW_TRIGGERS_ANSWER = z.object({
  project: z
    .object({
      aiFlowTriggers: z.object({ nodes: nodesOf(FLOW_TRIGGER), pageInfo: PAGE_INFO }).nullable(),
    })
    .nullable(),
});

/** A project's flow triggers, in GitLab 18.9's form (no filter). */
export const FLOW_TRIGGERS = op<{ path: string; after: string | null }>()(
  "query",
  "EnvsyncFlowTriggers",
  FLOW_TRIGGERS_ANSWER,
  flowTriggers(false),
  TRIGGER_HINT,
);

/** The same with each trigger's filter (GitLab 18.11+). */
export const FLOW_TRIGGERS_FILTERED = op<{ path: string; after: string | null }>()(
  "query",
  "EnvsyncFlowTriggersFiltered",
  FLOW_TRIGGERS_ANSWER,
  flowTriggers(true),
  TRIGGER_HINT,
);

const TRIGGER_FIELDS =
  "aiFlowTrigger { id description eventTypes aiCatalogItemConsumer { id } user { id } }";
const TRIGGER = { aiFlowTrigger: FLOW_TRIGGER.nullable() };

export const TRIGGER_CREATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncFlowTriggerCreate",
  payload("aiFlowTriggerCreate", TRIGGER),
  `($input: AiFlowTriggerCreateInput!) {
  aiFlowTriggerCreate(input: $input) { errors ${TRIGGER_FIELDS} }
}`,
  TRIGGER_HINT,
);

export const TRIGGER_UPDATE = op<{ input: Record<string, unknown> }>()(
  "mutation",
  "EnvsyncFlowTriggerUpdate",
  payload("aiFlowTriggerUpdate", TRIGGER),
  `($input: AiFlowTriggerUpdateInput!) {
  aiFlowTriggerUpdate(input: $input) { errors ${TRIGGER_FIELDS} }
}`,
  TRIGGER_HINT,
);

export const TRIGGER_DELETE = op<{ input: { id: string } }>()(
  "mutation",
  "EnvsyncFlowTriggerDelete",
  payload("aiFlowTriggerDelete", {}),
  `($input: AiFlowTriggerDeleteInput!) {
  aiFlowTriggerDelete(input: $input) { errors }
}`,
  TRIGGER_HINT,
);

/** Documents only the newer GitLab takes (tests validate them against that schema alone). */
export const NEWER_OPERATIONS: readonly GraphQLOperation<unknown, unknown>[] = [
  FLOW_TRIGGERS_FILTERED,
] as GraphQLOperation<unknown, unknown>[];

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
  FLOW_TRIGGERS,
  TRIGGER_CREATE,
  TRIGGER_UPDATE,
  TRIGGER_DELETE,
  PROJECT_ID,
  GROUP_ID,
] as GraphQLOperation<unknown, unknown>[];
