import { loadConfig } from "../config/load.js";
import { ExitCode } from "../errors.js";
import { ciContext } from "./ci-context.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { notifyPipelineFailure } from "./pipeline-failure.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import type { NotifyOptions } from "./cli.js";

/** Notes are posted and flows started: CI_JOB_TOKEN cannot. */
const WRITE: GitLabNeeds = { scope: "api", jobToken: false };

export async function notifyCommand(
  options: NotifyOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const job = ciContext(ctx.env, {
    ...(config.project ? { project: config.project } : {}),
    ...(options.pipeline ? { pipeline: options.pipeline } : {}),
    ...(options.issue ? { issue: options.issue } : {}),
  });
  // The project is the CI job's (ciContext); the instance too, from CI_SERVER_URL.
  const gitlab = await openGitLab(ctx, WRITE);
  const result = await notifyPipelineFailure(config, job, gitlab, {
    via: options.via,
    allBranches: Boolean(options.allBranches),
    dryRun: Boolean(options.dryRun),
    log: (line) => io.stderr(`${line}\n`),
  });
  io.stdout(
    options.json
      ? json(result)
      : `envsync notify pipeline-failure: ${result.action} (${result.reason})\n`,
  );
  return ExitCode.ok;
}
