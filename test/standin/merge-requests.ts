/**
 * Merge requests as GitLab's Merge requests API answers them: creation (409 for a second open one
 * of a source branch), the list with its filters, updates, conflicts (`has_conflicts`), drafts (a `Draft:`, `[Draft]` or `(Draft)` title makes one: GitLab's create call has no draft
 * flag), labels, assignees, reviewers and milestone, a merged MR's merge method (merge commit,
 * squash commit or fast-forward: `merge_commit_sha`, `squash_commit_sha`), its commits (newest
 * first), and auto-merge (`auto_merge`, or `merge_when_pipeline_succeeds` before 17.11). Stricter
 * than GitLab where it could merge: it sets auto-merge only while a pipeline of the source branch
 * runs, and never merges a merge request itself.
 */
import { execFileSync } from "node:child_process";
import type { GitLabStandin } from "./server.js";
import type { StandinState } from "./state.js";

type StandinMergeRequest = StandinState["mergeRequests"][number];

/** GitLab's draft title prefixes (MergeRequest::DRAFT_REGEX). */
const DRAFT_TITLE = /^\s*(\[draft\]|\(draft\)|draft:)/i;
const ACTIVE = [
  "CREATED",
  "WAITING_FOR_RESOURCE",
  "PREPARING",
  "WAITING_FOR_CALLBACK",
  "PENDING",
  "RUNNING",
  "SCHEDULED",
];

export interface MergedMergeRequestSeed {
  title: string;
  source_branch: string;
  target_branch: string;
  method: "merge" | "squash" | "ff";
  /** The MR's commits, oldest first. */
  commits: string[];
  /** The merge commit (merge method) or the squash commit (squash). */
  result?: string;
  labels?: string[];
  assignee_ids?: number[];
  reviewer_ids?: number[];
  milestone_id?: number;
}

/** A merged merge request as GitLab keeps one after its merge method ran. */
export function addMergedMergeRequest(
  standin: GitLabStandin,
  projectPath: string,
  seed: MergedMergeRequestSeed,
): StandinMergeRequest {
  const state = standin.state;
  const project = state.project(projectPath)!;
  const mr: StandinMergeRequest = {
    projectId: project.id,
    id: state.id(),
    iid: state.mergeRequests.filter((m) => m.projectId === project.id).length + 1,
    source_branch: seed.source_branch,
    target_branch: seed.target_branch,
    title: seed.title,
    description: "",
    labels: seed.labels ?? [],
    state: "merged",
    draft: false,
    assignee_ids: seed.assignee_ids ?? [],
    reviewer_ids: seed.reviewer_ids ?? [],
    milestone_id: seed.milestone_id ?? null,
    commits: seed.commits,
    // A merge commit's MR may be squashed too; fast-forward leaves neither sha.
    merge_commit_sha: seed.method === "merge" ? (seed.result ?? null) : null,
    squash_commit_sha: seed.method === "squash" ? (seed.result ?? null) : null,
    squash: seed.method === "squash",
  };
  state.mergeRequests.push(mr);
  return mr;
}

export function attachMergeRequestRoutes(standin: GitLabStandin): void {
  const state = standin.state;
  const projectOf = (param: string) => state.project(decodeURIComponent(param));
  const find = (params: string[]) => {
    const project = projectOf(params[0]!);
    const mr =
      project &&
      state.mergeRequests.find((m) => m.projectId === project.id && m.iid === Number(params[1]));
    return project && mr ? { project, mr } : undefined;
  };
  const git = (projectId: number, args: string[]): string | undefined => {
    const dir = state.repositories.get(projectId);
    if (!dir) return undefined;
    try {
      return execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: "pipe" }).trim();
    } catch {
      return undefined;
    }
  };
  const user = (id: number) => ({
    id,
    username: `user${id}`,
    name: `User ${id}`,
    state: "active",
  });
  const json = (mr: StandinMergeRequest, fullPath: string) => {
    const milestone = state.milestones.find((m) => m.id === mr.milestone_id);
    const head =
      mr.state === "opened"
        ? git(mr.projectId, ["rev-parse", `refs/heads/${mr.source_branch}`])
        : undefined;
    return {
      id: mr.id,
      iid: mr.iid,
      project_id: mr.projectId,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      source_branch: mr.source_branch,
      target_branch: mr.target_branch,
      labels: mr.labels,
      draft: mr.draft ?? DRAFT_TITLE.test(mr.title),
      work_in_progress: mr.draft ?? DRAFT_TITLE.test(mr.title),
      assignees: (mr.assignee_ids ?? []).map(user),
      assignee: mr.assignee_ids?.[0] === undefined ? null : user(mr.assignee_ids[0]),
      reviewers: (mr.reviewer_ids ?? []).map(user),
      milestone: milestone
        ? { id: milestone.id, iid: milestone.iid, title: milestone.title, state: "active" }
        : null,
      merge_commit_sha: mr.merge_commit_sha ?? null,
      squash_commit_sha: mr.squash_commit_sha ?? null,
      squash: mr.squash ?? false,
      merge_when_pipeline_succeeds: mr.merge_when_pipeline_succeeds ?? false,
      has_conflicts: Boolean(mr.hasConflicts),
      created_at: mr.created_at ?? null,
      updated_at: mr.updated_at ?? mr.created_at ?? null,
      sha: head ?? mr.commits?.at(-1) ?? null,
      web_url: `${standin.url}/${fullPath}/-/merge_requests/${mr.iid}`,
    };
  };

  standin.route("POST", /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const field of ["source_branch", "target_branch", "title"])
      if (!body[field]) return { status: 400, body: { error: `${field} is missing` } };
    // MergeRequest#validate_branches: one branch for both is refused.
    if (body.source_branch === body.target_branch)
      return {
        status: 422,
        body: { message: ["You can't use same project/branch for source and target"] },
      };
    const open = state.mergeRequests.find(
      (m) =>
        m.projectId === project.id &&
        m.source_branch === body.source_branch &&
        m.state === "opened",
    );
    if (open)
      return {
        status: 409,
        body: {
          message: [
            `Another open merge request already exists for this source branch: !${open.iid}`,
          ],
        },
      };
    const ids = (value: unknown) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(Number);
    const milestone = body.milestone_id === undefined ? null : Number(body.milestone_id);
    if (milestone !== null && !state.milestones.some((m) => m.id === milestone))
      return { status: 404, body: { message: "404 Milestone Not Found" } };
    const title = String(body.title);
    const now = new Date().toISOString();
    const mr: StandinMergeRequest = {
      projectId: project.id,
      id: state.id(),
      iid: state.mergeRequests.filter((m) => m.projectId === project.id).length + 1,
      source_branch: String(body.source_branch),
      target_branch: String(body.target_branch),
      title,
      description: String(body.description ?? ""),
      labels: String(body.labels ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean),
      state: "opened",
      draft: DRAFT_TITLE.test(title),
      assignee_ids: ids(body.assignee_ids),
      reviewer_ids: ids(body.reviewer_ids),
      milestone_id: milestone,
      squash: body.squash === true,
      created_at: now,
      updated_at: now,
    };
    state.mergeRequests.push(mr);
    return { status: 201, body: json(mr, project.fullPath) };
  });

  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project) return { status: 404, body: { message: "404 Project Not Found" } };
    const q = req.query;
    const list = state.mergeRequests.filter(
      (m) =>
        m.projectId === project.id &&
        (!q.get("state") || q.get("state") === "all" || m.state === q.get("state")) &&
        (!q.get("updated_after") ||
          Date.parse(m.updated_at ?? "") >= Date.parse(q.get("updated_after")!)) &&
        (!q.get("source_branch") || m.source_branch === q.get("source_branch")) &&
        (!q.get("target_branch") || m.target_branch === q.get("target_branch")) &&
        // GitLab's `labels`: every one listed (comma-separated) must be on the merge request.
        (q.get("labels") ?? "")
          .split(",")
          .filter(Boolean)
          .every((label) => m.labels.includes(label)),
    );
    return { status: 200, body: list.map((m) => json(m, project.fullPath)) };
  });

  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)$/, (req) => {
    const found = find(req.params);
    if (!found) return { status: 404, body: { message: "404 Not found" } };
    return { status: 200, body: json(found.mr, found.project.fullPath) };
  });

  standin.route("PUT", /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)$/, (req) => {
    const found = find(req.params);
    if (!found) return { status: 404, body: { message: "404 Not found" } };
    const body = (req.body ?? {}) as { title?: string; description?: string };
    // GitLab derives draft from the title (MergeRequest::DRAFT_REGEX).
    if (body.title !== undefined) {
      found.mr.title = body.title;
      found.mr.draft = DRAFT_TITLE.test(body.title);
    }
    if (body.description !== undefined) found.mr.description = body.description;
    found.mr.updated_at = new Date().toISOString();
    return { status: 200, body: json(found.mr, found.project.fullPath) };
  });

  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/commits$/, (req) => {
    const found = find(req.params);
    if (!found) return { status: 404, body: { message: "404 Not found" } };
    const commits = [...(found.mr.commits ?? [])].reverse().map((sha) => {
      const [title = "", author = "", date = ""] = (
        git(found.project.id, ["log", "-1", "--format=%s%x00%an%x00%aI", sha]) ?? ""
      ).split("\0");
      return {
        id: sha,
        short_id: sha.slice(0, 8),
        title,
        author_name: author,
        authored_date: date,
        web_url: `${standin.url}/${found.project.fullPath}/-/commit/${sha}`,
      };
    });
    return { status: 200, body: commits };
  });

  standin.route("PUT", /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/merge$/, (req) => {
    const found = find(req.params);
    if (!found) return { status: 404, body: { message: "404 Not found" } };
    const { mr, project } = found;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const notAllowed = { status: 405, body: { message: "405 Method Not Allowed" } };
    if (mr.state !== "opened" || mr.draft || DRAFT_TITLE.test(mr.title)) return notAllowed;
    const head = json(mr, project.fullPath).sha;
    if (body.sha !== undefined && body.sha !== head)
      return {
        status: 409,
        body: { message: "SHA does not match HEAD of source branch" },
      };
    const auto = body.auto_merge === true || body.merge_when_pipeline_succeeds === true;
    const running = state.pipelines.some(
      (p) =>
        p.projectId === project.id &&
        p.ref === mr.source_branch &&
        (!head || p.sha === head) &&
        ACTIVE.includes(p.status.toUpperCase()),
    );
    // The stand-in never merges: without a pipeline to wait for, GitLab would merge at once.
    if (!auto || !running) return notAllowed;
    mr.merge_when_pipeline_succeeds = true;
    return { status: 200, body: json(mr, project.fullPath) };
  });
}
