/**
 * A rollback by redeploying, as GitLab's own rollback does: the target deployment's job is run
 * again (`POST /projects/:id/jobs/:job_id/retry`), which makes a new deployment of that version.
 * Only the deploy job runs again: migrations are not reversed, and the branch keeps its commits.
 * Where GitLab will not let the token do it, the answer says why and nothing is changed: a Duo
 * flow job's token may not retry jobs at all, a protected environment admits only its deployers,
 * and "prevent outdated deployment jobs" refuses re-running an older deployment.
 */
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import { tokenIdentity } from "../gitlab/identity.js";
import { RETRY_JOB, type Deployment } from "../gitlab/rest-operations.js";
import type { Revision } from "./assess.js";

export interface RedeployOutcome {
  status: "planned" | "redeployed" | "refused";
  /** The job that deployed the target, which is run again. */
  job_id?: number;
  deployment_id?: number;
  /** The job GitLab started. */
  new_job?: { id: number; status: string; web_url: string };
  /** Why it was refused, or would be. */
  reason?: string;
}

export async function redeploy(
  gitlab: Pick<GitLab, "http" | "rest"> & { project: string },
  target: Revision,
  history: { deployments: readonly Deployment[]; source: "deployments" | "deploy jobs" },
  options: { dryRun: boolean },
): Promise<RedeployOutcome> {
  const identity = await tokenIdentity(gitlab);
  if (identity.kind === "flow-job")
    return refused(
      "a Duo flow job's token may not re-run jobs (GitLab refuses job retry to the ai_workflows " +
        "scope): roll back with --via revert, which opens a merge request",
    );
  if (identity.kind === "job")
    return refused("CI_JOB_TOKEN may not re-run jobs: use an access token with the api scope");
  const deployment =
    history.deployments.find((d) => d.id === target.deployment_id) ??
    history.deployments.find((d) => d.sha === target.sha);
  if (!deployment)
    return refused(
      `no recent successful deployment of ${target.sha.slice(0, 10)} to run again: ` +
        "pick one with --to-deployment, or roll back with --via revert",
    );
  // From the deploy jobs, a deployment's id is its job's.
  const jobId = deployment.deployable?.id ?? (history.source === "deploy jobs" ? deployment.id : 0);
  if (!jobId)
    return refused(
      `GitLab did not say which job made deployment #${deployment.id}: roll back with --via revert`,
    );
  const planned = { job_id: jobId, deployment_id: deployment.id };
  if (options.dryRun) return { status: "planned", ...planned };
  try {
    const job = await gitlab.rest.run(RETRY_JOB, { project: gitlab.project, jobId });
    return {
      status: "redeployed",
      ...planned,
      new_job: { id: job.id, status: job.status, web_url: job.web_url },
    };
  } catch (error) {
    if (!(error instanceof GitLabError) || ![400, 403].includes(error.status)) throw error;
    return { ...refused(whyRefused(jobId, error)), ...planned };
  }
}

function refused(reason: string): RedeployOutcome {
  return { status: "refused", reason };
}

function whyRefused(jobId: number, error: GitLabError): string {
  const said = error.message;
  if (/insufficient_scope|higher privileges/i.test(said))
    return `the token may not re-run jobs (${said}): it needs the api scope`;
  if (/not retryable|outdated/i.test(said))
    return (
      `GitLab will not re-run job ${jobId} (${said}): a project that prevents outdated ` +
      "deployment jobs refuses re-running an older deployment unless job retries for rollback " +
      "deployments are allowed; roll back with --via revert"
    );
  return (
    `GitLab refused re-running job ${jobId} (${said}): the environment is protected and the ` +
    "token's user is not among its deployers"
  );
}
