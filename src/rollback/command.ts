import { loadConfig } from "../config/load.js";
import { requireEnvironment } from "../config/resolve.js";
import { ExitCode } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { requireCheckout } from "../git/checkout.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { formatAssessment, gatherAssessment } from "./assessment.js";
import type { RollbackCheckOptions } from "./cli.js";

/** Deployments are read: CI_JOB_TOKEN will do. */
const READ: GitLabNeeds = { scope: "read_api", jobToken: true };

export async function rollbackCheckCommand(
  options: RollbackCheckOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal">,
): Promise<number> {
  const { config } = await loadConfig(options.config);
  const environment = requireEnvironment(config, options.env);
  // Refused before GitLab is asked anything.
  await requireCheckout(options.repo, ctx.env);
  const gitlab = hasGitLabToken(ctx.env)
    ? await openGitLab(ctx, READ, { repo: options.repo, config })
    : undefined;
  const { assessment } = await gatherAssessment(options, config, environment, gitlab, ctx);
  ctx.io.stdout(options.json ? json(assessment) : formatAssessment(assessment));
  return assessment.risk === "blocked" ? ExitCode.findings : ExitCode.ok;
}
