import { loadConfig } from "../config/load.js";
import { requireEnvironment } from "../config/resolve.js";
import { ExitCode } from "../errors.js";
import { gitIn } from "../git/git.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { localActivity } from "../output/progress.js";
import { freshBranchesIn, freshnessNotes } from "../git/branches.js";
import { requireCheckout } from "../git/checkout.js";
import { assessRollback, type RollbackAssessment } from "./assess.js";
import { migrationsBetween, resolveRevisions } from "./gather.js";
import { successfulDeployments, type DeploymentHistory } from "../deployments/deployments.js";
import type { RollbackCheckOptions } from "./cli.js";

/** Deployments are read: CI_JOB_TOKEN will do. */
const READ: GitLabNeeds = { scope: "read_api", jobToken: true };

export async function rollbackCheckCommand(
  options: RollbackCheckOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const environment = requireEnvironment(config, options.env);
  const { env } = ctx;
  await requireCheckout(options.repo, env);
  // Deployments come from GitLab when it can be asked; otherwise the branch head stands for what
  // is deployed.
  const gitlab = hasGitLabToken(env)
    ? await openGitLab(ctx, READ, { repo: options.repo, config })
    : undefined;
  // The newest twenty are enough to find what is deployed and what was before it.
  const history = gitlab?.project
    ? await successfulDeployments(gitlab, gitlab.project, environment, 20)
    : undefined;
  const deployments = history?.deployments;
  const activity = localActivity(io, { json: Boolean(options.json) });
  const branches = await freshBranchesIn({ dir: options.repo, env }, [environment.branch], {
    fetch: options.fetch,
    onFetch: () => activity.step(`fetching ${environment.branch} from origin`),
  }).finally(() => activity.done());
  for (const note of freshnessNotes(branches)) activity.note(note);
  const signal = ctx.signal;
  const git = gitIn(options.repo, ctx.env, signal ? { signal } : {});
  const { deployed, target } = await resolveRevisions(git, environment, {
    fetcher: gitIn(options.repo, ctx.env, { gitCredentials: true }),
    ...(options.to ? { to: options.to } : {}),
    ...(options.toDeployment !== undefined ? { toDeployment: options.toDeployment } : {}),
    ...(deployments ? { deployments } : {}),
  });
  const { commits, migrations } = await migrationsBetween(
    git,
    config,
    target.sha,
    deployed.sha,
    signal,
  );
  const assessment = {
    ...assessRollback({ environment, deployed, target, commits, migrations }, config),
    ...(history ? { deployments_from: deploymentSource(history) } : {}),
    branches,
  };
  io.stdout(options.json ? json(assessment) : format(assessment));
  return assessment.risk === "blocked" ? ExitCode.findings : ExitCode.ok;
}

/** Where the deployments came from, for the JSON and the text. */
function deploymentSource(history: DeploymentHistory) {
  return {
    source: history.source,
    ...(history.reason ? { reason: history.reason } : {}),
    ...(history.jobs ? { jobs: history.jobs } : {}),
  };
}

function format(
  a: RollbackAssessment & { deployments_from?: ReturnType<typeof deploymentSource> },
): string {
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
  if (a.deployments_from?.source === "deploy jobs")
    lines.push(
      `  deployments from the deploy jobs ${a.deployments_from.jobs?.join(", ") || "(none found)"}: ${a.deployments_from.reason ?? ""}`,
    );
  lines.push("  reasons:", ...a.reasons.map((r) => `    - ${r}`));
  if (a.risk === "blocked")
    lines.push("  blocked: roll forward with a fix, or write and review a down migration first");
  else lines.push(`  confirmation required: ${a.confirmation_required ?? "none"}`);
  return `${lines.join("\n")}\n`;
}
