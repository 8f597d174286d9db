/**
 * What rollback-check decides, gathered once for both commands that use it: `rollback-check`
 * prints it, `rollback` is gated by it. Deployments come from GitLab when it can be asked (the
 * deployments API, or the deploy jobs where the token may not read it); otherwise the branch head
 * stands for what is deployed. Commits and migrations come from the local clone, which the caller
 * has checked is one (before asking GitLab anything).
 */
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { CommandContext } from "../context.js";
import { successfulDeployments, type DeploymentHistory } from "../deployments/deployments.js";
import { freshBranchesIn, freshnessNotes, type BranchFreshness } from "../git/branches.js";
import { gitIn } from "../git/git.js";
import type { GitLab } from "../gitlab/access.js";
import type { Deployment } from "../gitlab/rest-operations.js";
import { localActivity } from "../output/progress.js";
import { assessRollback, type RollbackAssessment } from "./assess.js";
import { migrationsBetween, resolveRevisions } from "./gather.js";

export type GatheredAssessment = RollbackAssessment & {
  deployments_from?: ReturnType<typeof deploymentSource>;
  branches: BranchFreshness;
};

export interface AssessmentRequest {
  repo: string;
  fetch: boolean;
  json?: boolean | undefined;
  to?: string | undefined;
  toDeployment?: number | undefined;
}

export async function gatherAssessment(
  request: AssessmentRequest,
  config: ResolvedConfig,
  environment: ResolvedEnvironment,
  gitlab: (Pick<GitLab, "rest"> & { project: string | undefined }) | undefined,
  ctx: Pick<CommandContext, "io" | "env" | "signal">,
): Promise<{
  assessment: GatheredAssessment;
  deployments: Deployment[] | undefined;
  history: DeploymentHistory | undefined;
}> {
  const { io, env, signal } = ctx;
  // The newest twenty are enough to find what is deployed and what was before it.
  const history = gitlab?.project
    ? await successfulDeployments(gitlab, gitlab.project, environment, 20)
    : undefined;
  const deployments = history?.deployments;
  const activity = localActivity(io, { json: Boolean(request.json) });
  const branches = await freshBranchesIn({ dir: request.repo, env }, [environment.branch], {
    fetch: request.fetch,
    onFetch: () => activity.step(`fetching ${environment.branch} from origin`),
  }).finally(() => activity.done());
  for (const note of freshnessNotes(branches)) activity.note(note);
  const git = gitIn(request.repo, env, signal ? { signal } : {});
  const { deployed, target } = await resolveRevisions(git, environment, {
    fetcher: gitIn(request.repo, env, { gitCredentials: true }),
    ...(request.to ? { to: request.to } : {}),
    ...(request.toDeployment !== undefined ? { toDeployment: request.toDeployment } : {}),
    ...(deployments ? { deployments } : {}),
  });
  const { commits, migrations } = await migrationsBetween(
    git,
    config,
    target.sha,
    deployed.sha,
    signal,
  );
  return {
    assessment: {
      ...assessRollback({ environment, deployed, target, commits, migrations }, config),
      ...(history ? { deployments_from: deploymentSource(history) } : {}),
      branches,
    },
    deployments,
    history,
  };
}

/** Where the deployments came from, for the JSON and the text. */
function deploymentSource(history: DeploymentHistory) {
  return {
    source: history.source,
    ...(history.reason ? { reason: history.reason } : {}),
    ...(history.jobs ? { jobs: history.jobs } : {}),
  };
}

/** The assessment as rollback-check prints it. */
export function formatAssessment(a: GatheredAssessment | RollbackAssessment): string {
  const rev = (r: RollbackAssessment["deployed"]) =>
    `${r.sha.slice(0, 10)} (${r.source}${r.deployment_id ? ` #${r.deployment_id}` : ""}${r.at ? `, ${r.at.slice(0, 10)}` : ""})`;
  const lines = [
    `rollback ${a.environment}: risk ${a.risk.toUpperCase()}`,
    `  deployed ${rev(a.deployed)} → target ${rev(a.target)}: ${a.commits_between} commit${a.commits_between === 1 ? "" : "s"} would be undone`,
  ];
  if (a.migrations.length > 0) {
    lines.push("  migrations:");
    for (const m of a.migrations)
      lines.push(
        `    ${m.classification.padEnd(12)} ${m.path}${m.line ? `:${m.line}` : ""}  ${m.reason}` +
          (m.outside_paths ? "  (outside rollback.migrations.paths)" : ""),
      );
  }
  const from = "deployments_from" in a ? a.deployments_from : undefined;
  if (from?.source === "deploy jobs")
    lines.push(
      `  deployments from the deploy jobs ${from.jobs?.join(", ") || "(none found)"}: ${from.reason ?? ""}`,
    );
  lines.push("  reasons:", ...a.reasons.map((r) => `    - ${r}`));
  if (a.risk === "blocked")
    lines.push("  blocked: roll forward with a fix, or write and review a down migration first");
  else lines.push(`  confirmation required: ${a.confirmation_required ?? "none"}`);
  return `${lines.join("\n")}\n`;
}
