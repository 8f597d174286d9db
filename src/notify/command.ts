import { loadConfig } from "../config/load.js";
import { ExitCode } from "../errors.js";
import { ciContext } from "./ci-context.js";
import { openGitLab, type GitLab, type GitLabNeeds } from "../gitlab/access.js";
import { tokenIdentity } from "../gitlab/identity.js";
import { EnvsyncError } from "../errors.js";
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
  // Before anything is posted or started: GitLab would take a bot's note or request and start
  // nothing, so a token that is not a person's is refused here, with what to use instead.
  const me = await requirePersonWithApi(gitlab);
  const result = await notifyPipelineFailure(config, job, gitlab, {
    me,
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

const FIX =
  "store a person's personal access token (api scope, Developer or more in the project) as " +
  "ENVSYNC_GITLAB_TOKEN, or let GitLab start the flow itself with a native trigger where it has one";

/** The token's user id: EnvSync's own notes are this user's. */
async function requirePersonWithApi(gitlab: Pick<GitLab, "http" | "rest">): Promise<number> {
  const identity = await tokenIdentity(gitlab);
  if (identity.kind !== "person") {
    const what = {
      bot: `a project or group access token's (bot user ${identity.username ?? "?"})`,
      "flow-job": "a Duo flow job's",
      job: "a CI job's",
    }[identity.kind];
    throw new EnvsyncError(
      "token-not-a-person",
      `the token is ${what}: GitLab starts no flow for it`,
      {
        hint: FIX,
      },
    );
  }
  if (!identity.scopes.includes("api"))
    throw new EnvsyncError(
      "token-lacks-scope",
      `the token has ${identity.scopes.join(", ") || "no scope"}; posting and starting flows needs api`,
      { hint: FIX },
    );
  if (identity.userId === undefined)
    throw new EnvsyncError("token-not-a-person", "GitLab does not say whose the token is", {
      hint: FIX,
    });
  return identity.userId;
}
