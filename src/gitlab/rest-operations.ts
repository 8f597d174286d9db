/**
 * Every REST call EnvSync makes, with the shape it reads back: the REST counterpart of queries.ts.
 * gitbeaker builds each request (paths, query strings, pagination to the last page unless
 * `maxPages` says otherwise); the answer is then checked against its shape (zod) in one step
 * (`GitLabRest.run`), so a GitLab that answers otherwise is a GitLabError naming the request, never
 * a crash further on. Shapes list only the fields EnvSync reads, from GitLab's REST documentation.
 */
import * as z from "zod";
import type { RestClient } from "./rest.js";

export interface RestOperation<TData, TVars> {
  /** The request for people, e.g. `GET /projects/:id/deployments`. */
  label: string;
  /** What EnvSync reads back. */
  answer: z.ZodType<TData>;
  send: (client: RestClient, vars: TVars) => Promise<unknown>;
}

/** An operation taking `TVars` whose answer has the shape of `answer`. */
export const op =
  <TVars>() =>
  <S extends z.ZodType>(
    label: string,
    answer: S,
    send: (client: RestClient, vars: TVars) => Promise<unknown>,
  ): RestOperation<z.output<S>, TVars> => ({
    label,
    answer: answer as z.ZodType<z.output<S>>,
    send,
  });

type Project = { project: string };

// Shapes

const DEPLOYMENT = z.object({
  id: z.number(),
  iid: z.number(),
  sha: z.string(),
  ref: z.string(),
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  finished_at: z.string().nullish(),
  /** The job that deployed it: re-running it redeploys this version. */
  deployable: z.object({ id: z.number(), name: z.string().nullish() }).nullish(),
});
export type Deployment = z.infer<typeof DEPLOYMENT>;

const PIPELINE = z.object({
  id: z.number(),
  sha: z.string(),
  ref: z.string(),
  status: z.string(),
  web_url: z.string(),
  created_at: z.string().nullish(),
});

const JOB = z.object({
  id: z.number(),
  name: z.string(),
  stage: z.string(),
  status: z.string(),
  allow_failure: z.boolean(),
  web_url: z.string(),
  finished_at: z.string().nullish(),
});

/** gitbeaker types a compare's commits without message, parents or author date; drift needs them. */
const COMMIT = z.object({
  id: z.string(),
  title: z.string(),
  message: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  authored_date: z.string(),
  parent_ids: z.array(z.string()),
});
export type ApiCommit = z.infer<typeof COMMIT>;

const DIFF = z.object({
  old_path: z.string(),
  new_path: z.string(),
  new_file: z.boolean(),
  renamed_file: z.boolean(),
  deleted_file: z.boolean(),
  diff: z.string(),
  /** GitLab leaves `diff` empty for a file over its diff limits and says so with these. */
  collapsed: z.boolean().nullish(),
  too_large: z.boolean().nullish(),
});
export type ApiDiff = z.infer<typeof DIFF>;

const MERGE_REQUEST = z.object({ iid: z.number(), web_url: z.string() });
const NOTE = z.object({ id: z.number(), body: z.string() });
/** Who wrote a note or an issue: EnvSync counts only its own. */
const AUTHOR = z.object({ id: z.number() });
const ISSUE = z.object({ iid: z.number(), title: z.string(), description: z.string().nullish() });
const NAMED = z.object({ name: z.string() });
const WITH_ID = z.object({ id: z.number() });

// Repository

export const COMPARE = op<Project & { from: string; to: string; straight?: boolean }>()(
  "GET /projects/:id/repository/compare",
  z.object({ commits: z.array(COMMIT), diffs: z.array(DIFF) }),
  (rest, { project, from, to, straight }) =>
    rest.Repositories.compare(project, from, to, straight === undefined ? {} : { straight }),
);

/** A commit's diff is paged like any list (20 files by default): every page is read. */
export const COMMIT_DIFF = op<Project & { sha: string }>()(
  "GET /projects/:id/repository/commits/:sha/diff",
  z.array(DIFF),
  (rest, { project, sha }) => rest.Commits.showDiff(project, sha, { perPage: 100 }),
);

/** A branch and its head commit. */
export const BRANCH = op<Project & { branch: string }>()(
  "GET /projects/:id/repository/branches/:branch",
  z.object({
    name: z.string(),
    commit: z.object({
      id: z.string(),
      title: z.string(),
      message: z.string(),
      parent_ids: z.array(z.string()),
      committed_date: z.string(),
      web_url: z.string(),
    }),
  }),
  (rest, { project, branch }) => rest.Branches.show(project, branch),
);

export interface FileAction {
  action: "create" | "update" | "delete";
  path: string;
  content?: string;
}

/**
 * One commit of file actions on `branch`, started from `startSha`; `force` overwrites the branch
 * when it exists (GitLab refuses a start point on an existing branch without it).
 */
export const CREATE_COMMIT = op<
  Project & {
    branch: string;
    message: string;
    startSha: string;
    force: boolean;
    actions: readonly FileAction[];
  }
>()("POST /projects/:id/repository/commits", z.object({ id: z.string() }), (rest, v) =>
  rest.Commits.create(
    v.project,
    v.branch,
    v.message,
    v.actions.map((a) => ({
      action: a.action,
      filePath: a.path,
      ...(a.content === undefined ? {} : { content: a.content }),
    })),
    { startSha: v.startSha, force: v.force },
  ),
);

/** A file's text at a ref; GitLab answers 404 where there is none. */
export const RAW_FILE = op<Project & { path: string; ref: string }>()(
  "GET /projects/:id/repository/files/:path/raw",
  z.string(),
  (rest, { project, path, ref }) => rest.RepositoryFiles.showRaw(project, path, ref),
);

// Pipelines, jobs, deployments

export const PIPELINE_BY_ID = op<Project & { id: number }>()(
  "GET /projects/:id/pipelines/:pipeline_id",
  PIPELINE,
  (rest, { project, id }) => rest.Pipelines.show(project, id),
);

/** The newest pipelines first, one page of `limit` at most. */
export const LATEST_PIPELINES = op<
  Project & { sha?: string; ref?: string; status?: "success"; limit: number }
>()("GET /projects/:id/pipelines", z.array(PIPELINE), (rest, { project, limit, ...filter }) =>
  rest.Pipelines.all(project, {
    ...filter,
    orderBy: "id",
    sort: "desc",
    perPage: limit,
    maxPages: 1,
  }),
);

/** Every job of a pipeline: a large pipeline has more than one page. */
export const PIPELINE_JOBS = op<Project & { pipelineId: number }>()(
  "GET /projects/:id/pipelines/:pipeline_id/jobs",
  z.array(JOB),
  (rest, { project, pipelineId }) => rest.Jobs.all(project, { pipelineId, perPage: 100 }),
);

const OWNER = z.object({ id: z.number(), username: z.string() });

/** A pipeline with who started it (the single-pipeline answer; the list carries no user). */
export const PIPELINE_STARTED_BY = op<Project & { id: number }>()(
  "GET /projects/:id/pipelines/:pipeline_id",
  PIPELINE.extend({ user: OWNER.nullish() }),
  (rest, { project, id }) => rest.Pipelines.show(project, id),
);

/** Every pipeline schedule of the project, with its owner (whose pipelines it starts). */
export const PIPELINE_SCHEDULES = op<Project>()(
  "GET /projects/:id/pipeline_schedules",
  z.array(
    z.object({
      id: z.number(),
      description: z.string().nullish(),
      ref: z.string().nullish(),
      active: z.boolean().nullish(),
      owner: OWNER.nullish(),
    }),
  ),
  (rest, { project }) => rest.PipelineSchedules.all(project, { perPage: 100 }),
);

export const JOB_LOG = op<Project & { jobId: number }>()(
  "GET /projects/:id/jobs/:job_id/trace",
  z.string(),
  (rest, { project, jobId }) => rest.Jobs.showLog(project, jobId),
);

/** An environment's successful deployments, newest first, one page of `limit` at most. */
export const SUCCESSFUL_DEPLOYMENTS = op<Project & { environment: string; limit: number }>()(
  "GET /projects/:id/deployments",
  z.array(DEPLOYMENT),
  (rest, { project, environment, limit }) =>
    rest.Deployments.all(project, {
      environment,
      status: "success",
      orderBy: "created_at",
      sort: "desc",
      perPage: limit,
      maxPages: 1,
    }),
);

export const ENVIRONMENTS = op<Project>()(
  "GET /projects/:id/environments",
  z.array(NAMED),
  (rest, { project }) => rest.Environments.all(project, { perPage: 100 }),
);

// Merge requests, issues, notes

export const OPEN_MERGE_REQUESTS = op<Project & { source: string; target: string }>()(
  "GET /projects/:id/merge_requests",
  z.array(MERGE_REQUEST),
  (rest, { project, source, target }) =>
    rest.MergeRequests.all({
      projectId: project,
      state: "opened",
      sourceBranch: source,
      targetBranch: target,
      perPage: 1,
      maxPages: 1,
    }),
);

/** Merge requests with a label, in any state, every page (a rollback's record is read from them). */
export const ROLLBACK_MERGE_REQUESTS = op<Project & { label: string; target?: string }>()(
  "GET /projects/:id/merge_requests",
  z.array(
    MERGE_REQUEST.extend({
      state: z.string(),
      source_branch: z.string(),
      target_branch: z.string(),
      description: z.string().nullish(),
      created_at: z.string().nullish(),
    }),
  ),
  (rest, { project, label, target }) =>
    rest.MergeRequests.all({
      projectId: project,
      labels: label,
      ...(target ? { targetBranch: target } : {}),
      perPage: 100,
    }),
);

/** Re-runs a job (GitLab's own rollback re-runs an older deployment's job this way). */
export const RETRY_JOB = op<Project & { jobId: number }>()(
  "POST /projects/:id/jobs/:job_id/retry",
  z.object({ id: z.number(), status: z.string(), web_url: z.string() }),
  (rest, { project, jobId }) => rest.Jobs.retry(project, jobId),
);

export const CREATE_MERGE_REQUEST = op<
  Project & {
    source: string;
    target: string;
    title: string;
    description: string;
    labels: readonly string[];
    squash?: boolean;
    removeSourceBranch: boolean;
  }
>()("POST /projects/:id/merge_requests", MERGE_REQUEST, (rest, v) =>
  rest.MergeRequests.create(v.project, v.source, v.target, v.title, {
    description: v.description,
    labels: v.labels.join(","),
    removeSourceBranch: v.removeSourceBranch,
    ...(v.squash === undefined ? {} : { squash: v.squash }),
  }),
);

export const EDIT_MERGE_REQUEST = op<
  Project & { iid: number; title: string; description: string }
>()("PUT /projects/:id/merge_requests/:iid", MERGE_REQUEST, (rest, v) =>
  rest.MergeRequests.edit(v.project, v.iid, { title: v.title, description: v.description }),
);

/** Open issues (by `authorId`, when given) whose title contains `title`, every page. */
export const OPEN_ISSUES_TITLED = op<Project & { title: string; authorId?: number }>()(
  "GET /projects/:id/issues",
  z.array(ISSUE.extend({ author: AUTHOR })),
  (rest, { project, title, authorId }) =>
    rest.Issues.all({
      projectId: project,
      state: "opened",
      ...(authorId !== undefined ? { authorId } : {}),
      search: title,
      in: "title",
      perPage: 100,
    }),
);

export const CREATE_ISSUE = op<
  Project & { title: string; description: string; labels: readonly string[] }
>()("POST /projects/:id/issues", ISSUE, (rest, { project, title, description, labels }) =>
  rest.Issues.create(project, title, { description, labels: labels.join(",") }),
);

export const EDIT_ISSUE = op<Project & { iid: number; description: string }>()(
  "PUT /projects/:id/issues/:iid",
  ISSUE,
  (rest, { project, iid, description }) => rest.Issues.edit(project, iid, { description }),
);

type NoteTarget = Project & { kind: "merge_requests" | "issues"; iid: number };
const newestFirst = { sort: "desc", orderBy: "created_at", perPage: 100 } as const;

/** Every note, newest first, with its author: a marker in an old note of EnvSync's still counts. */
export const NOTES = op<NoteTarget>()(
  "GET /projects/:id/:noteable/:iid/notes",
  z.array(NOTE.extend({ author: AUTHOR })),
  (rest, { project, kind, iid }) =>
    kind === "merge_requests"
      ? rest.MergeRequestNotes.all(project, iid, newestFirst)
      : rest.IssueNotes.all(project, iid, newestFirst),
);

export const CREATE_NOTE = op<NoteTarget & { body: string }>()(
  "POST /projects/:id/:noteable/:iid/notes",
  NOTE,
  (rest, { project, kind, iid, body }) =>
    kind === "merge_requests"
      ? rest.MergeRequestNotes.create(project, iid, body)
      : rest.IssueNotes.create(project, iid, body),
);

// Instance, projects, groups, flows

export const PROJECT = op<{ path: string }>()("GET /projects/:id", WITH_ID, (rest, { path }) =>
  rest.Projects.show(path),
);

export const GROUP = op<{ path: string }>()("GET /groups/:id", WITH_ID, (rest, { path }) =>
  rest.Groups.show(path),
);

export const METADATA = op<Record<string, never>>()(
  "GET /metadata",
  // "19.4.1-ee": the catalog's field names follow it, so a version of another shape is an error.
  z.object({
    version: z.string().regex(/^\d+\.\d+(\.\d+)?([-+.][\w.-]*)?$/, "not a GitLab version"),
  }),
  (rest) => rest.Metadata.show(),
);

/** Starts a flow run (see notify/pipeline-failure.ts for what GitLab reads of the body). */
export const START_WORKFLOW = op<{ body: Record<string, unknown> }>()(
  "POST /ai/duo_workflows/workflows",
  z.object({ id: z.number(), status: z.string() }),
  async (rest, { body }) =>
    (await rest.requester.post("ai/duo_workflows/workflows", { body })).body,
);
