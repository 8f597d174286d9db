import { loadConfig } from "../config/load.js";
import { ExitCode } from "../errors.js";
import { ciContext } from "./ci-context.js";
import { GitLabGraphQL } from "../gitlab/graphql.js";
import { httpFromEnv } from "../gitlab/http.js";
import { notifyPipelineFailure } from "./pipeline-failure.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import type { NotifyOptions } from "./cli.js";

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
  const http = httpFromEnv(ctx.env, { scope: "api", allowJobToken: false }, { ...ctx.http });
  const result = await notifyPipelineFailure(
    config,
    job,
    { http, graphql: new GitLabGraphQL(http) },
    {
      via: options.via,
      allBranches: Boolean(options.allBranches),
      dryRun: Boolean(options.dryRun),
      log: (line) => io.stderr(`${line}\n`),
    },
  );
  io.stdout(
    options.json
      ? json(result)
      : `envsync notify pipeline-failure: ${result.action} (${result.reason})\n`,
  );
  return ExitCode.ok;
}
