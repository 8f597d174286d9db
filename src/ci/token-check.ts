/**
 * What each command the flows run can do with a token, from what the token is (see
 * gitlab/identity.ts) and what GitLab lets each kind of token read and write: a person's or a
 * bot's token by its scopes; a Duo flow job's OAuth token (ai_workflows, mcp) reads repositories,
 * pipelines, jobs and their logs and writes merge requests and notes, but not deployments,
 * environments or the workflows API; a CI job token reads deployments and environments only.
 */
import type { TokenIdentity } from "../gitlab/identity.js";

export type Verdict = "full" | "partly" | "no";

export interface CommandCapability {
  command: string;
  verdict: Verdict;
  detail: string;
}

const DEPLOY_JOBS =
  "deployments come from the environments' deploy jobs (GitLab refuses this token the deployments API)";

export function capabilities(identity: TokenIdentity): CommandCapability[] {
  const row = (command: string, verdict: Verdict, detail = ""): CommandCapability => ({
    command,
    verdict,
    detail,
  });
  const has = (scope: string) => identity.scopes.includes(scope);
  if (identity.kind === "job") {
    const refused = "GitLab does not take CI_JOB_TOKEN for compares, job logs, GraphQL or notes";
    return [
      row(
        "drift",
        "partly",
        "the local clone only: over the API, GitLab refuses CI_JOB_TOKEN compares",
      ),
      row("status", "no", refused),
      row("promote", "no", refused),
      row("cherry-pick --mr", "no", refused),
      row("rollback-check", "partly", "deployments only; the history comes from the clone"),
      row(
        "rollback",
        "partly",
        "the revert branch stays in the clone: GitLab refuses CI_JOB_TOKEN merge requests and job retries",
      ),
      row("doctor", "no", refused),
      row("notify pipeline-failure", "no", "GitLab starts no flow for a CI job token"),
    ];
  }
  if (identity.kind === "flow-job")
    return [
      row("drift", "full", "over the API where the job's clone is shallow"),
      row(
        "status",
        "partly",
        `read over REST where GraphQL withholds the repository; ${DEPLOY_JOBS}`,
      ),
      row("promote", "partly", `the deployed and soak gates: ${DEPLOY_JOBS}`),
      row("cherry-pick --mr", "full", "pushes with the job's git credentials"),
      row("rollback-check", "partly", DEPLOY_JOBS),
      row(
        "rollback",
        "partly",
        `--via revert only, pushed with the job's git credentials (${DEPLOY_JOBS}); GitLab refuses this token job retries (--via redeploy)`,
      ),
      row("doctor", "full"),
      row("notify pipeline-failure", "no", "GitLab refuses a flow job's token the workflows API"),
    ];
  const reads = has("api") || has("read_api");
  const writes = has("api");
  const noRead = `the token has ${identity.scopes.join(", ") || "no scope"}: reading needs read_api`;
  const noWrite = "writing needs the api scope";
  return [
    row("drift", reads ? "full" : "partly", reads ? "" : `the local clone only: ${noRead}`),
    row("status", reads ? "full" : "no", reads ? "" : noRead),
    row(
      "promote",
      writes ? "full" : reads ? "partly" : "no",
      writes ? "" : reads ? `the gates only: opening the merge request ${noWrite}` : noRead,
    ),
    row("cherry-pick --mr", writes ? "full" : "no", writes ? "" : noWrite),
    row("rollback-check", reads ? "full" : "no", reads ? "" : noRead),
    row(
      "rollback",
      writes ? "full" : reads ? "partly" : "no",
      writes ? "" : reads ? `the plan only: the merge request or a redeploy ${noWrite}` : noRead,
    ),
    row("doctor", reads ? "full" : "no", reads ? "" : noRead),
    row(
      "notify pipeline-failure",
      identity.kind === "bot" ? "no" : writes ? "full" : "no",
      identity.kind === "bot"
        ? "GitLab starts no flow for a project or group token's bot user"
        : writes
          ? ""
          : noWrite,
    ),
  ];
}
