/**
 * What each kind of token may do on the stand-in, as GitLab decides it: one table for REST routes
 * and one for GraphQL fields. Production GitLab is the model (facts in the platform notes, "Where
 * flows run" and "Who may start a flow"); where unsure, the stand-in refuses, since a stand-in more
 * lenient than GitLab hides bugs.
 *
 * - A personal, project or group access token (a project or group token acts as a bot user) with
 *   `api` may do everything, with `read_api` every read; it is sent as PRIVATE-TOKEN or Bearer.
 * - A Duo flow job's OAuth token has `ai_workflows` and `mcp`: the routes listed as taking them,
 *   nothing else (403 `insufficient_scope`); only as Bearer.
 * - A CI job token (JOB-TOKEN) authenticates only routes that allow it; elsewhere it is no
 *   authentication at all (401), GraphQL included.
 */
import { defaultFieldResolver, isObjectType, type GraphQLSchema } from "graphql";

export type Scope = "api" | "read_api" | "read_user" | "ai_workflows" | "mcp";

export interface StandinToken {
  value: string;
  /** personal: a person's access token; oauth: a flow job's; bot: a project or group token. */
  kind: "personal" | "oauth" | "bot" | "job";
  scopes: readonly Scope[];
  user: { id: number; username: string };
}

/** What a route takes beyond `api` (everything) and `read_api` (every GET). */
interface RouteRule {
  methods: readonly string[];
  path: RegExp;
  /** A flow job's OAuth token may use it. */
  aiWorkflows?: boolean;
  /** The `mcp` scope reads it. */
  mcp?: boolean;
  /** CI_JOB_TOKEN authenticates it. */
  jobToken?: boolean;
  /**
   * Where the job token does not authenticate, the request runs as anonymous: a route that looks
   * the project up first answers 404 for a private project, others 401.
   */
  anonymous?: 401 | 404;
  /** The scopes GitLab names in its refusal. */
  needs?: readonly Scope[];
}

const project = String.raw`\/api\/v4\/projects\/[^/]+`;
const rule = (methods: string, path: string, access: Omit<RouteRule, "methods" | "path"> = {}) => ({
  methods: methods.split(","),
  path: new RegExp(`^${path}$`),
  ...access,
});

export const REST_RULES: readonly RouteRule[] = [
  rule("GET", project, { aiWorkflows: true, anonymous: 404 }),
  // Repository: reads for ai_workflows; never the job token.
  rule("GET", `${project}\\/repository\\/compare`, { aiWorkflows: true, anonymous: 404 }),
  rule("GET", `${project}\\/repository\\/commits\\/[^/]+\\/diff`, { aiWorkflows: true }),
  rule("GET", `${project}\\/repository\\/files\\/[^/]+\\/raw`, { aiWorkflows: true }),
  rule("GET", `${project}\\/repository\\/branches\\/[^/]+`, { aiWorkflows: true }),
  // Commits: ai_workflows writes them too (the job's token edits files through GitLab).
  rule("POST", `${project}\\/repository\\/commits`, { aiWorkflows: true }),
  // Pipelines and jobs: ai_workflows and mcp read them; the job token reads a pipeline's jobs (its
  // pipelines only in newer versions, so not here), never a job's log.
  rule("GET", `${project}\\/pipelines`, { aiWorkflows: true, mcp: true }),
  rule("GET", `${project}\\/pipelines\\/\\d+`, { aiWorkflows: true, mcp: true }),
  rule("GET", `${project}\\/pipelines\\/\\d+\\/jobs`, { aiWorkflows: true, jobToken: true }),
  rule("GET", `${project}\\/jobs\\/\\d+\\/trace`, { aiWorkflows: true }),
  // Re-running a job (GitLab's rollback): api only; refused to ai_workflows and the job token.
  rule("POST", `${project}\\/jobs\\/\\d+\\/retry`),
  // Deployments and environments: never ai_workflows; the job token reads them.
  rule("GET", `${project}\\/deployments`, { jobToken: true }),
  rule("GET", `${project}\\/environments`, { jobToken: true }),
  rule("GET", `${project}\\/protected_branches`),
  // Merge requests, issues, notes: ai_workflows reads and writes them, mcp reads.
  rule("GET", `${project}\\/(merge_requests|issues)`, { aiWorkflows: true, mcp: true }),
  rule("POST", `${project}\\/(merge_requests|issues)`, { aiWorkflows: true }),
  rule("GET", `${project}\\/(merge_requests|issues)\\/\\d+`, { aiWorkflows: true, mcp: true }),
  // API::MergeRequests lets ai_workflows and mcp make every GET (its commits and diffs too).
  rule("GET", `${project}\\/merge_requests\\/\\d+\\/(commits|diffs)`, {
    aiWorkflows: true,
    mcp: true,
  }),
  rule("PUT", `${project}\\/(merge_requests|issues)\\/\\d+`, { aiWorkflows: true }),
  // Merging (and auto-merge) is not among what ai_workflows may do with merge requests.
  rule("PUT", `${project}\\/merge_requests\\/\\d+\\/merge`),
  rule("GET,POST", `${project}\\/(merge_requests|issues)\\/\\d+\\/notes`, { aiWorkflows: true }),
  rule("GET", String.raw`\/api\/v4\/groups\/[^/]+`, { aiWorkflows: true }),
  // The workflows API starts flows: never a flow job's token, never the job token.
  rule("GET,POST", String.raw`\/api\/v4\/ai\/duo_workflows\/workflows(\/.*)?`),
  rule("GET", String.raw`\/api\/v4\/user`, { needs: ["read_user", "api", "read_api"] }),
  rule("GET", String.raw`\/api\/v4\/personal_access_tokens\/self`),
];

/**
 * GraphQL fields a flow job's OAuth token may read, by `Type.field`: GitLab checks scopes field by
 * field, and only fields declared with `ai_workflows` take it. Every other field is null for that
 * token (the repository, pipelines and environments among them). Where unsure, a field is not here.
 */
export const GRAPHQL_FOR_AI_WORKFLOWS: ReadonlySet<string> = new Set([
  "Query.project",
  "Query.group",
  "Project.id",
  "Project.webUrl",
  "Group.id",
]);

/** The token a request carries, by the header GitLab takes each kind in. */
export function tokenOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  tokens: readonly StandinToken[],
): StandinToken | undefined {
  const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""))?.[1];
  const privateToken = headers["private-token"];
  const jobToken = headers["job-token"];
  return tokens.find((t) =>
    t.kind === "job"
      ? jobToken === t.value
      : t.kind === "oauth"
        ? bearer === t.value
        : bearer === t.value || privateToken === t.value,
  );
}

export type Refusal = { status: 401 | 403 | 404; body: Record<string, unknown> };

const UNAUTHORIZED: Refusal = { status: 401, body: { message: "401 Unauthorized" } };

function insufficientScope(needs: readonly Scope[]): Refusal {
  return {
    status: 403,
    body: {
      error: "insufficient_scope",
      error_description:
        "The request requires higher privileges than provided by the access token.",
      scope: needs.join(" "),
    },
  };
}

/** Why GitLab refuses `token` this REST request, or undefined when it takes it. */
export function restRefusal(
  token: StandinToken | undefined,
  method: string,
  path: string,
): Refusal | undefined {
  if (!token) return UNAUTHORIZED;
  const found = REST_RULES.find((r) => r.methods.includes(method) && r.path.test(path));
  const read = method === "GET" || method === "HEAD";
  if (token.kind === "job")
    return found?.jobToken
      ? undefined
      : found?.anonymous === 404
        ? { status: 404, body: { message: "404 Project Not Found" } }
        : UNAUTHORIZED;
  const has = (scope: Scope) => token.scopes.includes(scope);
  if (found?.needs) return found.needs.some(has) ? undefined : insufficientScope(found.needs);
  if (has("api") || (read && has("read_api"))) return undefined;
  if (found?.aiWorkflows && has("ai_workflows")) return undefined;
  if (found?.mcp && read && has("mcp")) return undefined;
  return insufficientScope(read ? ["api", "read_api"] : ["api"]);
}

/** Whether GraphQL takes the token at all (the job token is no authentication there). */
export function graphqlRefusal(
  token: StandinToken | undefined,
  mutation: boolean,
): Refusal | undefined {
  if (!token || token.kind === "job") return UNAUTHORIZED;
  const has = (scope: Scope) => token.scopes.includes(scope);
  if (mutation && !has("api")) return insufficientScope(["api"]);
  if (!["api", "read_api", "ai_workflows", "mcp"].some((s) => has(s as Scope)))
    return insufficientScope(["api", "read_api"]);
  return undefined;
}

/** Whether a GraphQL field is refused to the token (GitLab checks scopes field by field). */
export function fieldRefused(token: StandinToken, typeAndField: string): boolean {
  if (token.scopes.includes("api") || token.scopes.includes("read_api")) return false;
  return !GRAPHQL_FOR_AI_WORKFLOWS.has(typeAndField);
}

/** `GET /oauth/token/info` (Doorkeeper): an OAuth token's scopes; any other token is not one. */
export function tokenInfo(
  token: StandinToken | undefined,
): Refusal | { status: 200; body: object } {
  if (!token || token.kind !== "oauth")
    return {
      status: 401,
      body: {
        error: "invalid_token",
        error_description: "The access token is invalid",
        state: "unauthorized",
      },
    };
  return {
    status: 200,
    body: {
      resource_owner_id: token.user.id,
      scope: token.scopes,
      scopes: token.scopes,
      expires_in: 7200,
      expires_in_seconds: 7200,
      application: { uid: "duo-workflow" },
      created_at: 1764633600,
    },
  };
}

/** `GET /personal_access_tokens/self`: a personal, project or group token's own facts. */
export function accessTokenSelf(token: StandinToken): Refusal | { status: 200; body: object } {
  if (token.kind !== "personal" && token.kind !== "bot") return UNAUTHORIZED;
  return {
    status: 200,
    body: {
      id: token.user.id * 10,
      name: token.kind === "bot" ? "ci-bridge" : "envsync",
      scopes: token.scopes,
      active: true,
      revoked: false,
      user_id: token.user.id,
      expires_at: null,
    },
  };
}

/** `GET /api/v4/user`: who the token acts as; project and group tokens act as bots. */
export function userOf(token: StandinToken): Record<string, unknown> {
  return {
    id: token.user.id,
    username: token.user.username,
    name: token.kind === "bot" ? "Project bot" : "Ada Lovelace",
    state: "active",
    bot: token.kind === "bot",
  };
}

/** What the stand-in's GraphQL resolvers see of the request. */
export interface FieldContext {
  token: StandinToken | undefined;
}

const guarded = new WeakSet<GraphQLSchema>();

/**
 * Makes each field GitLab checks by scope refuse a token without it as GitLab does: the field is
 * null and nothing says why (graphql-ruby's unauthorized_field); a non-null field's null then
 * nulls its parent with "Cannot return null for non-nullable field".
 */
export function guardFieldsByScope(schema: GraphQLSchema): void {
  if (guarded.has(schema)) return;
  guarded.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || type.name === "Mutation") continue;
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: FieldContext, info) => {
        if (context.token && fieldRefused(context.token, name)) return null;
        return resolve(source, args, context, info);
      };
    }
  }
}
