/**
 * Merge request calls cherry-pick makes beyond opening one: a merged MR read back (its merge
 * method's commits, its labels, people and milestone), its commits, a pick opened with that
 * context, and auto-merge. Shapes list only the fields EnvSync reads, from GitLab's Merge requests
 * API documentation; each answer is checked like every REST answer (`GitLabRest.run`).
 */
import * as z from "zod";
import { op } from "./rest-operations.js";

type Project = { project: string };

const PERSON = z.object({ id: z.number(), username: z.string() });

const MERGE_REQUEST = z.object({
  iid: z.number(),
  title: z.string(),
  state: z.string(),
  web_url: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  /** GitLab sets `draft` from a `Draft:` title; older versions answer `work_in_progress` too. */
  draft: z.boolean().nullish(),
  labels: z.array(z.string()).default([]),
  assignees: z.array(PERSON).nullish(),
  reviewers: z.array(PERSON).nullish(),
  milestone: z.object({ id: z.number(), title: z.string() }).nullish(),
  /** The merge method's result: a merge commit, a squash commit, or neither (fast-forward). */
  merge_commit_sha: z.string().nullish(),
  squash_commit_sha: z.string().nullish(),
  merge_when_pipeline_succeeds: z.boolean().nullish(),
  /** GitLab's own check of the merge (the conflict resolver's screen reads it). */
  has_conflicts: z.boolean().nullish(),
  /** The source branch's head. */
  sha: z.string().nullish(),
});
export type MergeRequestDetails = z.infer<typeof MERGE_REQUEST>;

const COMMIT = z.object({ id: z.string(), title: z.string() });

export const MERGE_REQUEST_DETAILS = op<Project & { iid: number }>()(
  "GET /projects/:id/merge_requests/:iid",
  MERGE_REQUEST,
  (rest, { project, iid }) => rest.MergeRequests.show(project, iid),
);

/** Every commit of a merge request, newest first as GitLab lists them. */
export const MERGE_REQUEST_COMMITS = op<Project & { iid: number }>()(
  "GET /projects/:id/merge_requests/:iid/commits",
  z.array(COMMIT),
  (rest, { project, iid }) => rest.MergeRequests.allCommits(project, iid, { perPage: 100 }),
);

export interface PickMergeRequest {
  source: string;
  target: string;
  /** `Draft: …` makes it a draft: GitLab's create call has no draft flag. */
  title: string;
  description: string;
  labels: readonly string[];
  assigneeIds: readonly number[];
  reviewerIds: readonly number[];
  milestoneId?: number;
}

export const CREATE_PICK_MERGE_REQUEST = op<Project & PickMergeRequest>()(
  "POST /projects/:id/merge_requests",
  MERGE_REQUEST,
  (rest, v) =>
    rest.MergeRequests.create(v.project, v.source, v.target, v.title, {
      description: v.description,
      labels: v.labels.join(","),
      removeSourceBranch: true,
      ...(v.assigneeIds.length > 0 ? { assigneeIds: [...v.assigneeIds] } : {}),
      ...(v.reviewerIds.length > 0 ? { reviewerIds: [...v.reviewerIds] } : {}),
      ...(v.milestoneId === undefined ? {} : { milestoneId: v.milestoneId }),
    }),
);

/**
 * Merge when the pipeline succeeds: `auto_merge` (GitLab 17.11 and later) and its older name, and
 * the head the pipeline runs for, so a branch pushed to since is not merged.
 */
export const SET_AUTO_MERGE = op<Project & { iid: number; sha: string }>()(
  "PUT /projects/:id/merge_requests/:iid/merge",
  MERGE_REQUEST,
  (rest, { project, iid, sha }) =>
    rest.requester
      .put(`projects/${encodeURIComponent(project)}/merge_requests/${iid}/merge`, {
        body: { auto_merge: true, merge_when_pipeline_succeeds: true, sha },
      })
      .then((answer) => answer.body),
);
