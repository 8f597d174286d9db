import { loadConfig } from "../config/load.js";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { json } from "../output/io.js";
import { checkConflict } from "./check.js";
import type { ConflictCheckOptions } from "./cli.js";

const READ = {
  scope: "read_api",
  jobToken: false,
  project: "conflict-check",
} as const satisfies GitLabNeeds;

export async function conflictCheckCommand(
  options: ConflictCheckOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { config } = await loadConfig(options.config);
  const gitlab = await openGitLab(ctx, READ, { repo: ".", config });
  const check = await checkConflict(gitlab, gitlab.project, options.mergeRequest, config);
  ctx.io.stdout(options.json ? json(check) : `${check.decision}: ${check.reason}\n`);
  return check.decision === "resolve" ? ExitCode.ok : ExitCode.findings;
}
