/**
 * Auto-merge for a merge request EnvSync opened (a pick, a rollback): asked for only while a
 * pipeline runs for the head EnvSync pushed, and with that head, so a branch pushed to since is
 * not merged. With no pipeline to wait for GitLab merges at once, which EnvSync never asks for.
 * GitLab creates the push's pipeline (or the merge request's) a moment after the push, so the
 * pipeline is looked for by the head's sha, whatever its ref, a few times over a few seconds.
 */
import { setTimeout as sleep } from "node:timers/promises";
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

/** The waits before each look for the pipeline: 7 s in all before saying there is none. */
const LOOKS_MS = [0, 1000, 2000, 4000];

export interface AutoMergeOutcome {
  set: boolean;
  reason: string;
}

export async function autoMergeWhenPipelineRuns(
  gitlab: { rest: GitLabRest; project: string },
  mergeRequest: { iid: number; branch: string; head: string | null | undefined },
  signal?: AbortSignal,
): Promise<AutoMergeOutcome> {
  const { rest, project } = gitlab;
  const { iid, branch, head } = mergeRequest;
  if (!head) return { set: false, reason: "GitLab did not say the merge request's head" };
  try {
    let pipeline: Awaited<ReturnType<typeof newestPipelineOf>>;
    for (const wait of LOOKS_MS) {
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
      pipeline = await newestPipelineOf(rest, project, head);
      if (pipeline) break;
    }
    if (!pipeline || !ACTIVE_PIPELINE.includes(pipeline.status))
      return {
        set: false,
        reason: pipeline
          ? `the pipeline of ${branch} is ${pipeline.status}: nothing to wait for`
          : `no pipeline started for the head of ${branch} within 7 s; set auto-merge on the merge request once one runs`,
      };
    await rest.run(SET_AUTO_MERGE, { project, iid, sha: head });
    return { set: true, reason: `merges when pipeline ${count(pipeline.id)} succeeds` };
  } catch (error) {
    if (!(error instanceof GitLabError) || ![401, 403, 405, 406, 409, 422].includes(error.status))
      throw error;
    return { set: false, reason: `GitLab refused: ${error.message}` };
  }
}

/** The newest pipeline of a commit: a branch pipeline or a merge request pipeline alike. */
async function newestPipelineOf(rest: GitLabRest, project: string, sha: string) {
  const [pipeline] = await rest.run(LATEST_PIPELINES, { project, sha, limit: 1 });
  return pipeline;
}
