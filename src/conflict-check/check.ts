/**
 * Whether the conflict resolver should act on a merge request, decided by the engine before any
 * model runs: GitLab's `merge_request_code_conflict` trigger has no filter on the target branch, so
 * the flow asks this first and ends, posting nothing, for a merge request that is not open, not
 * into an environment branch, or has no conflicts. Read from GitLab by iid, never from the goal.
 */
import { environmentsOf } from "../config/resolve.js";
import type { ResolvedConfig } from "../config/types.js";
import type { GitLab } from "../gitlab/access.js";
import { MERGE_REQUEST_DETAILS } from "../gitlab/merge-requests.js";

export interface ConflictCheck {
  decision: "resolve" | "skip";
  reason: string;
  merge_request: number;
  target_branch?: string;
  environment?: string;
}

export async function checkConflict(
  { rest }: Pick<GitLab, "rest">,
  project: string,
  iid: number,
  config: ResolvedConfig,
): Promise<ConflictCheck> {
  const mr = await rest.run(MERGE_REQUEST_DETAILS, { project, iid });
  const facts = { merge_request: iid, target_branch: mr.target_branch };
  const skip = (reason: string): ConflictCheck => ({ decision: "skip", reason, ...facts });
  if (mr.state !== "opened") return skip(`!${iid} is ${mr.state}, not open`);
  const environments = environmentsOf(config, project);
  const env = environments.find((e) => e.branch === mr.target_branch);
  if (!env) return skip(`!${iid} targets ${mr.target_branch}, not an environment branch`);
  if (mr.has_conflicts !== true) return skip(`!${iid} has no conflicts`);
  return {
    decision: "resolve",
    reason: `!${iid} into ${mr.target_branch} (${env.name}) has conflicts`,
    ...facts,
    environment: env.name,
  };
}
