/**
 * A merged merge request as commits to pick: what its merge method left on its target branch. A
 * merge commit is picked as its change to the first parent (`-m 1`), a squash commit as it is,
 * and a fast-forward merge's commits one by one, oldest first.
 */
import { EnvsyncError } from "../errors.js";
import {
  MERGE_REQUEST_COMMITS,
  MERGE_REQUEST_DETAILS,
  type MergeRequestDetails,
} from "../gitlab/merge-requests.js";
import type { GitLabRest } from "../gitlab/rest.js";

export interface MergedMergeRequest {
  iid: number;
  web_url: string;
  title: string;
  /** The branch it was merged into: where its commits are. */
  target_branch: string;
  method: "merge commit" | "squash" | "fast-forward";
  /** What is picked, oldest first. */
  shas: string[];
  details: MergeRequestDetails;
}

/** `!123` → 123; undefined for anything else. */
export function mergeRequestReference(ref: string): number | undefined {
  const m = /^!(\d{1,9})$/.exec(ref);
  return m ? Number(m[1]) : undefined;
}

export async function mergedMergeRequest(
  rest: GitLabRest,
  project: string,
  iid: number,
): Promise<MergedMergeRequest> {
  const details = await rest.run(MERGE_REQUEST_DETAILS, { project, iid });
  if (details.state !== "merged")
    throw new EnvsyncError("mr-not-merged", `!${iid} is ${details.state}, not merged`, {
      hint: "pick a merge request once it is merged, or pick its commits by SHA",
    });
  const base = {
    iid,
    web_url: details.web_url,
    title: details.title,
    target_branch: details.target_branch,
    details,
  };
  if (details.merge_commit_sha)
    return { ...base, method: "merge commit", shas: [details.merge_commit_sha] };
  if (details.squash_commit_sha)
    return { ...base, method: "squash", shas: [details.squash_commit_sha] };
  const commits = await rest.run(MERGE_REQUEST_COMMITS, { project, iid });
  if (commits.length === 0)
    throw new EnvsyncError("mr-not-merged", `!${iid} has no commits to pick`, {
      hint: "GitLab lists no commits for it; pick its commits by SHA",
    });
  // GitLab lists a merge request's commits newest first.
  return { ...base, method: "fast-forward", shas: commits.map((c) => c.id).reverse() };
}
