/**
 * Auto-merge for a merge request EnvSync opened (a pick, a rollback): asked for only while a
 * pipeline runs for the head EnvSync pushed, and with that head, so a branch pushed to since is
 * not merged. With no pipeline to wait for GitLab merges at once, which EnvSync never asks for.
 */
import { count } from "./markdown.js";
import { GitLabError } from "./errors.js";
import { SET_AUTO_MERGE } from "./merge-requests.js";
import type { GitLabRest } from "./rest.js";
import { LATEST_PIPELINES } from "./rest-operations.js";

/** Pipeline states GitLab's auto-merge waits on; after them it would merge at once. */
const ACTIVE_PIPELINE = [
  "created",
  "waiting_for_resource",
  "preparing",
  "waiting_for_callback",
  "pending",
  "running",
  "scheduled",
];

export interface AutoMergeOutcome {
  set: boolean;
  reason: string;
}

export async function autoMergeWhenPipelineRuns(
  gitlab: { rest: GitLabRest; project: string },
  mergeRequest: { iid: number; branch: string; head: string | null | undefined },
): Promise<AutoMergeOutcome> {
  const { rest, project } = gitlab;
  const { iid, branch, head } = mergeRequest;
  if (!head) return { set: false, reason: "GitLab did not say the merge request's head" };
  try {
    const [pipeline] = await rest.run(LATEST_PIPELINES, {
      project,
      ref: branch,
      sha: head,
      limit: 1,
    });
    if (!pipeline || !ACTIVE_PIPELINE.includes(pipeline.status))
      return {
        set: false,
        reason: pipeline
          ? `the pipeline of ${branch} is ${pipeline.status}: nothing to wait for`
          : `no pipeline runs for the head of ${branch} yet; set auto-merge on the merge request once it does`,
      };
    await rest.run(SET_AUTO_MERGE, { project, iid, sha: head });
    return { set: true, reason: `merges when pipeline ${count(pipeline.id)} succeeds` };
  } catch (error) {
    if (!(error instanceof GitLabError) || ![401, 403, 405, 406, 409, 422].includes(error.status))
      throw error;
    return { set: false, reason: `GitLab refused: ${error.message}` };
  }
}
