/**
 * A GitLab API stand-in for tests: a real HTTP server on 127.0.0.1 (free port) that answers the REST
 * and GraphQL calls EnvSync makes with GitLab's shapes and errors, keeps state, logs every request,
 * and can be told to fail (status, retry-after, a request that never answers). It is as strict as
 * production GitLab: GraphQL validated against GitLab's schema (18.9 or newer), introspection
 * refused, complexity capped at 250; REST lists paged (20 by default, 100 at most) with GitLab's
 * pagination headers; a rate limit answering 429 with `retry-after` and `RateLimit-*` headers.
 * Later commands add REST routes with `route()`.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import { catalogRoot } from "./catalog.js";
import { firePipelineHooks, flowTriggerRoot } from "./flow-triggers.js";
import { attachMergeRequestRoutes } from "./merge-requests.js";
import {
  complexityError,
  gitlabSchema,
  introspectionErrors,
  MAX_COMPLEXITY,
  queryComplexity,
} from "./gitlab-schema.js";
import { attachProtectionRoutes, ProtectionState, type Tier } from "./protection.js";
import { attachReviewRoutes } from "./reviews.js";
import { StandinState, type StandinPipeline } from "./state.js";
import {
  accessTokenSelf,
  graphqlRefusal,
  guardFieldsByScope,
  restRefusal,
  tokenInfo,
  tokenOf,
  userOf,
  type FieldContext,
  type Scope,
  type StandinToken,
} from "./tokens.js";

export interface LoggedRequest {
  method: string;
  path: string;
  operation?: string;
  status: number;
}

export interface Fault {
  method?: string;
  /** Matches the path without query. */
  path?: string | RegExp;
  /** Matches a GraphQL operationName. */
  operation?: string;
  /** How many matching requests fail; default 1. */
  times?: number;
  respond: { status: number; headers?: Record<string, string>; body?: unknown } | "hang";
}

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  body: unknown;
  /** The user of the request's token (who a note or issue created now is by). */
  user?: { id: number; username: string };
}
export type RestHandler = (
  req: RestRequest,
  state: StandinState,
) => { status: number; body: unknown; headers?: Record<string, string> };

export interface StandinOptions {
  token?: string;
  /**
   * Play GitLab 19.2+ (the newer schema: `visibility` enum; version 19.4.1) or, with false, GitLab
   * 18.9 (`public` boolean; version 18.9.0).
   */
  visibility?: boolean;
  /**
   * What the stand-in's token is: a person's access token with `api` (access), a flow job's OAuth
   * token with `ai_workflows` and `mcp` (oauth), or a CI job token (job). See tokens.ts.
   */
  tokenKind?: "access" | "oauth" | "job";
  /** Scopes of the stand-in's token, where they are not its kind's. */
  scopes?: readonly Scope[];
  /** The instance's use_generic_gitlab_api_tools flag: list gitlab_api_get/gitlab_graphql to agents. */
  genericApiTools?: boolean;
  /** A per-token rate limit: this many requests per window, then 429 with `retry-after`. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Largest page GraphQL connections return, to exercise pagination. */
  pageSize?: number;
  /** Delay before every answer, to model a distant GitLab. */
  latencyMs?: number;
  /** Play a GitLab without the workflows API (free tier, older self-managed): it answers 404. */
  workflowsApi?: boolean;
  /** The license tier protection plays (protection.ts): Premium unless "free". */
  tier?: Tier;
  /**
   * The flag `ai_flow_trigger_pipeline_hooks` for the top-level group: without it no pipeline
   * trigger fires. Off by default on 18.9 (as GitLab ships it), on for the newer GitLab.
   */
  pipelineHooks?: boolean;
  /**
   * The project has a `.gitlab-ci.yml`: every branch head gets a pipeline, as a push makes one,
   * and as on GitLab it appears a moment late: the first question for a head's pipelines finds
   * none, the next finds it running.
   */
  pipelineOnPush?: boolean;
}

export class GitLabStandin {
  readonly state = new StandinState();
  /** Protected branches, environments and approval rules (protection.ts). */
  readonly protection: ProtectionState;
  readonly log: LoggedRequest[] = [];
  readonly token: string;
  /** Every token the stand-in knows; the first is `token`. Tests add more with `addToken`. */
  readonly tokens: StandinToken[] = [];
  private readonly faults: (Fault & { left: number })[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: RestHandler }[] = [];
  private readonly sockets = new Set<Socket>();
  /** The complexity of every GraphQL request that passed validation, in order. */
  readonly complexities: number[] = [];
  private rateWindow = { start: 0, used: 0 };
  private server?: Server;
  private schema: GraphQLSchema;
  /** Answers git-over-HTTP requests (see git-http.ts); true when it took the request. */
  gitHttp?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Parsed and validated queries by their text. A fleet sends the same query thousands of times
   * with other variables; checking each once keeps the stand-in's own CPU (one thread, where
   * GitLab has many workers) from queueing answers past the latency it models.
   */
  private readonly checkedQueries = new Map<
    string,
    { document: DocumentNode } | { errors: { message: string; locations?: unknown }[] }
  >();
  private root: ReturnType<typeof catalogRoot> & ReturnType<typeof flowTriggerRoot>;

  /** Another token GitLab would know (a bot's, a read-only one), for tests of who may do what. */
  addToken(token: Omit<StandinToken, "user"> & { user?: StandinToken["user"] }): void {
    const id = this.tokens.length + 1;
    this.tokens.push({
      user: { id, username: token.kind === "bot" ? `project_1_bot_${id}` : `user${id}` },
      ...token,
    });
  }

  constructor(private readonly options: StandinOptions = {}) {
    this.token = options.token ?? "glpat-standin-secret-token";
    this.protection = new ProtectionState(this.state, options.tier ?? "premium");
    const kind = options.tokenKind ?? "access";
    this.tokens.push({
      value: this.token,
      kind: kind === "access" ? "personal" : kind,
      scopes:
        options.scopes ??
        (kind === "access" ? ["api"] : kind === "oauth" ? ["ai_workflows", "mcp"] : []),
      user: { id: 1, username: "ada" },
    });
    this.schema = gitlabSchema(options.visibility === false ? "18.9" : "newer");
    guardFieldsByScope(this.schema);
    const catalog = catalogRoot(this.state, {
      visibility: options.visibility ?? true,
      pageSize: options.pageSize ?? 100,
      genericApiTools: options.genericApiTools ?? false,
      baseUrl: () => this.url,
    });
    const triggers = flowTriggerRoot(this.state, this.triggerOptions);
    this.root = {
      ...catalog,
      ...triggers,
      project: (args: { fullPath: string }) => {
        const view = catalog.project(args);
        const project = this.state.project(args.fullPath);
        return view && project
          ? {
              ...view,
              aiFlowTriggers: triggers.projectTriggers(project.id, options.pageSize ?? 100),
            }
          : view;
      },
    };
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const path = project.fullPath.split("/").pop();
      return {
        status: 200,
        body: {
          id: project.id,
          name: path,
          path,
          path_with_namespace: project.fullPath,
          default_branch: project.defaultBranch,
          web_url: `${this.url}/${project.fullPath}`,
        },
      };
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/deployments$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const q = req.query;
      const list = state.deployments
        .filter(
          (d) =>
            d.projectId === project.id &&
            (!q.get("environment") || d.environment === q.get("environment")) &&
            (!q.get("status") || d.status.toLowerCase() === q.get("status")),
        )
        .sort((a, b) => (q.get("sort") === "asc" ? 1 : -1) * a.createdAt.localeCompare(b.createdAt))
        .map((d) => ({
          id: d.id,
          iid: d.iid,
          ref: d.ref,
          sha: d.sha,
          created_at: d.createdAt,
          updated_at: d.finishedAt,
          status: d.status.toLowerCase(),
          environment: { name: d.environment },
          deployable: d.jobId === undefined ? null : { id: d.jobId, name: "deploy" },
        }));
      return { status: 200, body: list };
    });
    const pipelineJson = (
      p: { id: number; iid: number; ref: string; sha: string; status: string; createdAt: string },
      fullPath: string,
      projectId: number,
    ) => ({
      id: p.id,
      iid: p.iid,
      project_id: projectId,
      ref: p.ref,
      sha: p.sha,
      status: p.status.toLowerCase(),
      created_at: p.createdAt,
      web_url: `${this.url}/${fullPath}/-/pipelines/${p.id}`,
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/pipelines$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const q = req.query;
      if (this.options.pipelineOnPush) this.pushPipeline(project.id, q.get("ref"), q.get("sha"));
      const list = state.pipelines
        .filter(
          (p) =>
            p.projectId === project.id &&
            (!q.get("ref") || p.ref === q.get("ref")) &&
            (!q.get("sha") || p.sha === q.get("sha")) &&
            (!q.get("status") || p.status.toLowerCase() === q.get("status")),
        )
        .sort((a, b) => b.id - a.id);
      return { status: 200, body: list.map((p) => pipelineJson(p, project.fullPath, project.id)) };
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/pipelines\/(\d+)$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      const pipeline =
        project &&
        state.pipelines.find((p) => p.projectId === project.id && p.id === Number(req.params[1]));
      if (!project || !pipeline) return { status: 404, body: { message: "404 Not found" } };
      // The single pipeline names who started it (the list does not).
      const user = pipeline.user && {
        id: pipeline.user.id,
        username: pipeline.user.username,
        name: pipeline.user.username,
        state: "active",
      };
      return {
        status: 200,
        body: { ...pipelineJson(pipeline, project.fullPath, project.id), user: user ?? null },
      };
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/pipeline_schedules$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      return {
        status: 200,
        body: state.schedules
          .filter((s) => s.projectId === project.id)
          .map(({ projectId: _p, owner, ...s }) => ({
            ...s,
            owner: { ...owner, name: owner.username, state: "active" },
          })),
      };
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/pipelines\/(\d+)\/jobs$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const jobs = state.jobs.filter(
        (j) => j.projectId === project.id && j.pipelineId === Number(req.params[1]),
      );
      return {
        status: 200,
        body: jobs.map((j) => ({
          id: j.id,
          name: j.name,
          stage: j.stage,
          status: j.status,
          allow_failure: Boolean(j.allowFailure),
          web_url: `${this.url}/${project.fullPath}/-/jobs/${j.id}`,
          pipeline: { id: j.pipelineId },
          finished_at: j.finishedAt ?? null,
        })),
      };
    });
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/jobs\/(\d+)\/trace$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      const job =
        project &&
        state.jobs.find((j) => j.projectId === project.id && j.id === Number(req.params[1]));
      if (!job) return { status: 404, body: { message: "404 Job Not Found" } };
      return { status: 200, body: job.log, headers: { "content-type": "text/plain" } };
    });
    this.route("POST", /^\/api\/v4\/projects\/([^/]+)\/jobs\/(\d+)\/retry$/, (req, state) => {
      const project = state.project(decodeURIComponent(req.params[0]!));
      const job =
        project &&
        state.jobs.find((j) => j.projectId === project.id && j.id === Number(req.params[1]));
      if (!project || !job) return { status: 404, body: { message: "404 Job Not Found" } };
      // A protected environment admits only its deployers; GitLab answers a plain 403.
      if (job.deployers && !job.deployers.includes(req.user?.id ?? -1))
        return { status: 403, body: { message: "403 Forbidden" } };
      // Not retryable: "prevent outdated deployment jobs" refuses an older deployment's job.
      if (job.retryable === false)
        return { status: 403, body: { message: "403 Forbidden - Job is not retryable" } };
      const retried = { ...job, id: state.id(), status: "pending", log: "", finishedAt: undefined };
      state.jobs.push(retried);
      return {
        status: 201,
        body: {
          id: retried.id,
          name: retried.name,
          stage: retried.stage,
          status: retried.status,
          web_url: `${this.url}/${project.fullPath}/-/jobs/${retried.id}`,
          pipeline: { id: retried.pipelineId },
        },
      };
    });
    const issueJson = (i: StandinState["issues"][number], fullPath: string) => ({
      id: i.id,
      iid: i.iid,
      title: i.title,
      description: i.description,
      state: i.state,
      labels: i.labels ?? [],
      author: { ...i.author, name: i.author.username, state: "active" },
      web_url: `${this.url}/${fullPath}/-/issues/${i.iid}`,
    });
    const projectFrom = (req: RestRequest) =>
      this.state.project(decodeURIComponent(req.params[0]!));
    this.route(
      "GET",
      /^\/api\/v4\/projects\/([^/]+)\/(merge_requests|issues)\/(\d+)\/notes$/,
      (req, state) => {
        const project = projectFrom(req);
        if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
        const notes = state.notes
          .filter(
            (n) =>
              n.projectId === project.id &&
              n.kind === req.params[1] &&
              n.iid === Number(req.params[2]),
          )
          .sort((a, b) => b.id - a.id);
        return {
          status: 200,
          body: notes.map(({ id, body, created_at, author }) => ({
            id,
            body,
            created_at,
            system: false,
            author: { ...author, name: author.username, state: "active" },
          })),
        };
      },
    );
    this.route(
      "POST",
      /^\/api\/v4\/projects\/([^/]+)\/(merge_requests|issues)\/(\d+)\/notes$/,
      (req, state) => {
        const project = projectFrom(req);
        if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
        const body = String((req.body as { body?: string } | undefined)?.body ?? "");
        if (!body.trim()) return { status: 400, body: { message: { note: ["can't be blank"] } } };
        const note = {
          projectId: project.id,
          kind: req.params[1] as "merge_requests" | "issues",
          iid: Number(req.params[2]),
          id: state.id(),
          body,
          created_at: new Date().toISOString(),
          author: req.user!,
        };
        state.notes.push(note);
        return {
          status: 201,
          body: {
            id: note.id,
            body,
            created_at: note.created_at,
            system: false,
            author: { ...note.author, name: note.author.username, state: "active" },
          },
        };
      },
    );
    this.route("GET", /^\/api\/v4\/projects\/([^/]+)\/issues$/, (req, state) => {
      const project = projectFrom(req);
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const search = req.query.get("search") ?? "";
      const authorId = req.query.get("author_id");
      const authorName = req.query.get("author_username");
      if (authorId && authorName)
        return {
          status: 400,
          body: { error: "author_id, author_username are mutually exclusive" },
        };
      const labels = (req.query.get("labels") ?? "").split(",").filter(Boolean);
      const list = state.issues.filter(
        (i) =>
          i.projectId === project.id &&
          (!req.query.get("state") || i.state === req.query.get("state")) &&
          (!authorId || String(i.author.id) === authorId) &&
          (!authorName || i.author.username.toLowerCase() === authorName.toLowerCase()) &&
          labels.every((l) => (i.labels ?? []).includes(l)) &&
          i.title.includes(search),
      );
      return {
        status: 200,
        body: list.map((i) => issueJson(i, project.fullPath)),
      };
    });
    this.route("POST", /^\/api\/v4\/projects\/([^/]+)\/issues$/, (req, state) => {
      const project = projectFrom(req);
      if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
      const body = (req.body ?? {}) as { title?: string; description?: string; labels?: string };
      if (!body.title) return { status: 400, body: { error: "title is missing" } };
      const issue = {
        projectId: project.id,
        id: state.id(),
        iid: state.issues.filter((i) => i.projectId === project.id).length + 1,
        title: body.title,
        description: body.description ?? "",
        state: "opened",
        author: req.user!,
        labels: String(body.labels ?? "")
          .split(",")
          .filter(Boolean),
      };
      state.issues.push(issue);
      return { status: 201, body: issueJson(issue, project.fullPath) };
    });
    this.route("PUT", /^\/api\/v4\/projects\/([^/]+)\/issues\/(\d+)$/, (req, state) => {
      const project = projectFrom(req);
      const issue =
        project &&
        state.issues.find((i) => i.projectId === project.id && i.iid === Number(req.params[1]));
      if (!issue) return { status: 404, body: { message: "404 Issue Not Found" } };
      const body = (req.body ?? {}) as { description?: string; title?: string };
      if (body.description !== undefined) issue.description = body.description;
      if (body.title !== undefined) issue.title = body.title;
      return { status: 200, body: issueJson(issue, project.fullPath) };
    });
    const PRIVILEGES = [
      "read_write_files",
      "read_only_gitlab",
      "read_write_gitlab",
      "run_commands",
      "use_git",
      "run_mcp_tools",
    ];
    this.route("GET", /^\/api\/v4\/ai\/duo_workflows\/workflows\/agent_privileges$/, () =>
      this.options.workflowsApi === false
        ? { status: 404, body: { message: "404 Not Found" } }
        : {
            status: 200,
            body: {
              all_privileges: PRIVILEGES.map((name, i) => ({
                id: i + 1,
                name,
                description: `Allows ${name.replace(/_/g, " ")}`,
                default_enabled: i < 2,
              })),
            },
          },
    );
    this.route("POST", /^\/api\/v4\/ai\/duo_workflows\/workflows$/, (req, state) => {
      if (this.options.workflowsApi === false)
        return { status: 404, body: { message: "404 Not Found" } };
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!body.project_id || !body.goal)
        return { status: 400, body: { message: "project_id and goal are required" } };
      // On the catalog path GitLab reports a bad request as 400 or 422, never 403/404.
      const consumerId = Number(body.ai_catalog_item_consumer_id);
      if (!state.consumers.some((c) => c.id === consumerId))
        return { status: 422, body: { message: "Item consumer not found" } };
      const context = body.additional_context as
        { Category: string; Content: string }[] | undefined;
      if (
        context &&
        !context.every((c) => typeof c.Category === "string" && typeof c.Content === "string")
      )
        return { status: 400, body: { message: "additional_context is invalid" } };
      const workflow = { id: state.id(), body };
      state.workflows.push(workflow);
      return {
        status: 201,
        body: {
          id: workflow.id,
          status: "created",
          workload: { id: state.id(), message: "Workload started" },
        },
      };
    });
    const metadata = () => ({
      status: 200,
      body: {
        version: this.version,
        revision: "0123456789a",
        kas: { enabled: false, externalUrl: null, version: null },
        enterprise: true,
      },
    });
    this.route("GET", /^\/api\/v4\/metadata$/, metadata);
    this.route("GET", /^\/api\/v4\/version$/, () => {
      const { version, revision } = metadata().body;
      return { status: 200, body: { version, revision } };
    });
    this.route("GET", /^\/api\/v4\/groups\/([^/]+)$/, (req, state) => {
      const group = state.group(decodeURIComponent(req.params[0]!));
      if (!group) return { status: 404, body: { message: "404 Group Not Found" } };
      return {
        status: 200,
        body: {
          id: group.id,
          name: group.fullPath.split("/").pop(),
          path: group.fullPath.split("/").pop(),
          full_path: group.fullPath,
          web_url: `${this.url}/groups/${group.fullPath}`,
        },
      };
    });
    attachProtectionRoutes(this, this.protection);
    attachReviewRoutes(this);
    // Merge requests: creation, list, drafts, people, merge methods, commits, auto-merge.
    attachMergeRequestRoutes(this);
  }

  private get triggerOptions() {
    const variant = this.options.visibility === false ? "18.9" : "newer";
    return {
      variant,
      pipelineHooks: this.options.pipelineHooks ?? variant === "newer",
    } as const;
  }

  /**
   * A pipeline's status changes (it is created first if `id` is new), and GitLab runs the
   * project's pipeline triggers as it does on every change. Returns the pipeline.
   */
  pipelineStatus(
    projectPath: string,
    change: {
      id?: number;
      ref: string;
      status: string;
      sha?: string;
      source?: string;
      user?: StandinPipeline["user"];
    },
  ): StandinPipeline {
    const project = this.state.project(projectPath);
    if (!project) throw new Error(`no project ${projectPath}`);
    let pipeline = this.state.pipelines.find(
      (p) => p.projectId === project.id && p.id === change.id,
    );
    if (!pipeline) {
      pipeline = {
        projectId: project.id,
        id: change.id ?? this.state.id(),
        iid: this.state.pipelines.filter((p) => p.projectId === project.id).length + 1,
        ref: change.ref,
        sha: change.sha ?? "0".repeat(40),
        status: change.status,
        createdAt: new Date(
          Date.UTC(2026, 10, 24, 14, 0, this.state.pipelines.length),
        ).toISOString(),
        source: change.source ?? "push",
        user: change.user ?? { id: 1, username: "ada" },
      };
      this.state.pipelines.push(pipeline);
    }
    pipeline.status = change.status;
    firePipelineHooks(this.state, pipeline, { ...this.triggerOptions, baseUrl: this.url });
    return pipeline;
  }

  /** Heads whose pipeline was asked for once: the next question finds it (pipelineOnPush). */
  private readonly pushesSeen = new Set<string>();

  /** The pipeline GitLab makes for a pushed branch head, once it has been asked for before. */
  private pushPipeline(projectId: number, ref: string | null, sha: string | null): void {
    const dir = this.state.repositories.get(projectId);
    if (!dir || (!ref && !sha)) return;
    const git = (args: string[]) => {
      try {
        return execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
      } catch {
        return "";
      }
    };
    // The branches whose head is asked for: by name, or every branch pointing at the sha.
    const heads = (
      ref
        ? [`${ref} ${git(["rev-parse", "--verify", "--quiet", `refs/heads/${ref}^{commit}`])}`]
        : git(["for-each-ref", "--format=%(refname:short) %(objectname)", `--points-at=${sha}`])
            .split("\n")
            .filter((line) => line.includes(" "))
    )
      .map((line) => line.split(" ") as [string, string])
      .filter(([, head]) => head && (!sha || head === sha));
    const pipelines = this.state.pipelines;
    for (const [branch, head] of heads) {
      if (pipelines.some((p) => p.projectId === projectId && p.sha === head)) continue;
      const key = `${projectId} ${head}`;
      if (!this.pushesSeen.has(key)) {
        this.pushesSeen.add(key);
        continue;
      }
      pipelines.push({
        projectId,
        id: this.state.id(),
        iid: pipelines.filter((p) => p.projectId === projectId).length + 1,
        ref: branch,
        sha: head,
        status: "RUNNING",
        createdAt: new Date().toISOString(),
        source: "push",
      });
    }
  }

  /** Seconds to wait when the rate limit is spent, else undefined (and the request counts). */
  private takeRateSlot(): number | undefined {
    const limit = this.options.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    if (now - this.rateWindow.start >= limit.windowSeconds * 1000)
      this.rateWindow = { start: now, used: 0 };
    if (this.rateWindow.used >= limit.limit) {
      const resetMs = this.rateWindow.start + limit.windowSeconds * 1000 - now;
      return Math.max(1, Math.ceil(resetMs / 1000));
    }
    this.rateWindow.used++;
    return undefined;
  }

  /** GitLab's RateLimit-* headers, on every answer while a limit is configured. */
  private rateHeaders(): Record<string, string> {
    const limit = this.options.rateLimit;
    if (!limit) return {};
    const reset = Math.ceil((this.rateWindow.start + limit.windowSeconds * 1000) / 1000);
    return {
      "ratelimit-limit": String(limit.limit),
      "ratelimit-observed": String(this.rateWindow.used),
      "ratelimit-remaining": String(Math.max(0, limit.limit - this.rateWindow.used)),
      "ratelimit-reset": String(reset),
    };
  }

  /** The version GitLab reports at /api/v4/metadata. */
  get version(): string {
    return this.options.visibility === false ? "18.9.0-ee" : "19.4.1-ee";
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("the stand-in is not started");
    return `http://127.0.0.1:${address.port}`;
  }

  route(method: string, pattern: RegExp, handler: RestHandler): void {
    this.routes.unshift({ method, pattern, handler });
  }

  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Requests logged for a GraphQL operation or a path. */
  requests(match: {
    operation?: string;
    path?: string | RegExp;
    method?: string;
  }): LoggedRequest[] {
    return this.log.filter(
      (r) =>
        (!match.operation || r.operation === match.operation) &&
        (!match.method || r.method === match.method) &&
        (!match.path ||
          (typeof match.path === "string" ? r.path === match.path : match.path.test(r.path))),
    );
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private checkQuery(
    query: string,
  ): { document: DocumentNode } | { errors: { message: string; locations?: unknown }[] } {
    const known = this.checkedQueries.get(query);
    if (known) return known;
    let checked;
    try {
      const document = parse(query);
      const errors = [...validate(this.schema, document), ...introspectionErrors(document)];
      checked =
        errors.length > 0
          ? { errors: errors.map((e) => ({ message: e.message, locations: e.locations })) }
          : { document };
    } catch (error) {
      checked = { errors: [{ message: (error as Error).message }] };
    }
    if (this.checkedQueries.size >= 1000) this.checkedQueries.clear();
    this.checkedQueries.set(query, checked);
    return checked;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Git over HTTP streams binary bodies: it is answered before anything reads the body as text.
    if (this.gitHttp?.(req, res)) return;
    const url = new URL(req.url ?? "/", this.url);
    const raw = await readBody(req);
    if (this.options.latencyMs)
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const operation =
      url.pathname === "/api/graphql"
        ? (body as { operationName?: string } | undefined)?.operationName
        : undefined;
    const entry: LoggedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      ...(operation ? { operation } : {}),
      status: 0,
    };
    this.log.push(entry);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, {
        "content-type": "application/json",
        "x-request-id": randomUUID().slice(0, 13),
        ...this.rateHeaders(),
        ...headers,
      });
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };

    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method === entry.method) &&
        (!f.operation || f.operation === operation) &&
        (!f.path ||
          (typeof f.path === "string" ? f.path === url.pathname : f.path.test(url.pathname))),
    );
    if (fault) {
      fault.left--;
      if (fault.respond === "hang") return; // never answers; stop() destroys the socket
      send(
        fault.respond.status,
        fault.respond.body ?? { message: `${fault.respond.status} injected` },
        fault.respond.headers,
      );
      return;
    }

    // Each kind of token in the header GitLab takes it in, refused where GitLab refuses it.
    const token = tokenOf(req.headers, this.tokens);
    if (url.pathname === "/oauth/token/info") {
      const info = tokenInfo(token);
      send(info.status, info.body);
      return;
    }
    const graphql = url.pathname === "/api/graphql" && req.method === "POST";
    const mutation = graphql && /^\s*mutation\b/.test(String((body as { query?: unknown })?.query));
    const refusal = graphql
      ? graphqlRefusal(token, mutation)
      : restRefusal(token, entry.method, url.pathname);
    if (refusal) {
      send(refusal.status, refusal.body);
      return;
    }
    if (url.pathname === "/api/v4/user") {
      send(200, userOf(token!));
      return;
    }
    if (url.pathname === "/api/v4/personal_access_tokens/self") {
      const self = accessTokenSelf(token!);
      send(self.status, self.body);
      return;
    }
    const limited = this.takeRateSlot();
    if (limited !== undefined) {
      send(429, "Retry later", { "content-type": "text/plain", "retry-after": String(limited) });
      return;
    }

    if (url.pathname === "/api/graphql" && req.method === "POST") {
      const { query, variables } = (body ?? {}) as {
        query?: string;
        variables?: Record<string, unknown>;
      };
      const checked = this.checkQuery(query ?? "");
      if ("errors" in checked) {
        send(200, { errors: checked.errors });
        return;
      }
      const { document } = checked;
      const complexity = queryComplexity(this.schema, document, operation, variables ?? {});
      this.complexities.push(complexity);
      if (complexity > MAX_COMPLEXITY) {
        send(200, { errors: [{ message: complexityError(complexity).message }] });
        return;
      }
      const result = await execute({
        schema: this.schema,
        document,
        rootValue: this.root,
        contextValue: { token } satisfies FieldContext,
        variableValues: variables ?? null,
        ...(operation ? { operationName: operation } : {}),
      });
      send(200, result);
      return;
    }

    for (const route of this.routes) {
      const match = route.method === req.method ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const out = route.handler(
        {
          method: entry.method,
          path: url.pathname,
          query: url.searchParams,
          params: match.slice(1),
          body,
          ...(token ? { user: { ...token.user } } : {}),
        },
        this.state,
      );
      if (req.method === "GET" && out.status === 200 && Array.isArray(out.body)) {
        const paged = paginate(out.body, url);
        if ("error" in paged) send(400, { error: paged.error });
        else send(200, paged.items, { ...paged.headers, ...out.headers });
        return;
      }
      send(out.status, out.body, out.headers);
      return;
    }
    send(404, { error: "404 Not Found" });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * GitLab's offset pagination: `page` (from 1) and `per_page` (20 by default, 100 at most; GitLab
 * clamps larger values), with `x-page`, `x-per-page`, `x-next-page`, `x-prev-page`, `x-total`,
 * `x-total-pages` and a `Link` header.
 */
function paginate(
  all: unknown[],
  url: URL,
): { items: unknown[]; headers: Record<string, string> } | { error: string } {
  const page = Number(url.searchParams.get("page") ?? "1");
  const asked = Number(url.searchParams.get("per_page") ?? "20");
  if (!Number.isInteger(page) || page < 1) return { error: "page is invalid" };
  if (!Number.isInteger(asked) || asked < 1) return { error: "per_page is invalid" };
  const perPage = Math.min(asked, 100);
  const totalPages = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = (p: number) => {
    const next = new URL(url);
    next.searchParams.set("page", String(p));
    next.searchParams.set("per_page", String(perPage));
    return next.toString();
  };
  const links = [
    ...(page > 1 ? [`<${link(page - 1)}>; rel="prev"`] : []),
    ...(page < totalPages ? [`<${link(page + 1)}>; rel="next"`] : []),
    `<${link(1)}>; rel="first"`,
    `<${link(totalPages)}>; rel="last"`,
  ];
  return {
    items,
    headers: {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      "x-total": String(all.length),
      "x-total-pages": String(totalPages),
      link: links.join(", "),
    },
  };
}
