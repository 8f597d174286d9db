import { loadConfig } from "../config/load.js";
import { ExitCode, UsageError } from "../errors.js";
import { GitLabGraphQL } from "../gitlab/graphql.js";
import { httpFromEnv } from "../gitlab/http.js";
import { notifyPipelineFailure, type NotifyContext } from "../notify/pipeline-failure.js";
import { json, type Io } from "../output/io.js";

export interface NotifyOptions {
  config: string;
  via: string;
  issue?: string;
  allBranches?: boolean;
  pipeline?: number;
  dryRun?: boolean;
  json?: boolean;
}

/** Reads the CI job's context from GitLab's predefined variables. */
export function ciContext(
  env: Record<string, string | undefined>,
  options: { project?: string; pipeline?: number; issue?: string },
): NotifyContext {
  const project = env.CI_PROJECT_PATH ?? options.project;
  const pipelineId = options.pipeline ?? Number(env.CI_PIPELINE_ID);
  const branch = env.CI_COMMIT_REF_NAME;
  if (!project || !Number.isInteger(pipelineId) || pipelineId <= 0 || !branch) {
    throw new UsageError(
      "this runs in a GitLab CI job: CI_PROJECT_PATH, CI_PIPELINE_ID and CI_COMMIT_REF_NAME are not all set",
      "use the pipeline-doctor CI/CD component, or set them (and --pipeline) by hand",
    );
  }
  // Branch pipelines do not carry CI_MERGE_REQUEST_IID; CI_OPEN_MERGE_REQUESTS lists "path!iid" pairs.
  const open = (env.CI_OPEN_MERGE_REQUESTS ?? "")
    .split(",")
    .map((s) => s.trim().split("!"))
    .find(([path]) => path === project);
  const mr = Number(env.CI_MERGE_REQUEST_IID ?? open?.[1]);
  const issue = Number(options.issue);
  return {
    project,
    pipelineId,
    pipelineUrl:
      env.CI_PIPELINE_URL ?? `${env.CI_SERVER_URL ?? ""}/${project}/-/pipelines/${pipelineId}`,
    branch,
    ...(Number.isInteger(mr) && mr > 0 ? { mergeRequestIid: mr } : {}),
    ...(options.issue && Number.isInteger(issue) && issue > 0 ? { issueIid: issue } : {}),
  };
}

export async function notifyCommand(
  options: NotifyOptions,
  io: Io,
  deps: { env: Record<string, string | undefined> },
): Promise<number> {
  if (options.via !== "api" && options.via !== "mention")
    throw new UsageError(`--via takes api or mention, not '${options.via}'`);
  if (options.issue && !/^\d*$/.test(options.issue))
    throw new UsageError(`--issue takes an issue IID, not '${options.issue}'`);
  const { config } = await loadConfig(options.config);
  const ctx = ciContext(deps.env, {
    ...(config.project ? { project: config.project } : {}),
    ...(options.pipeline ? { pipeline: options.pipeline } : {}),
    ...(options.issue ? { issue: options.issue } : {}),
  });
  const http = httpFromEnv(deps.env, { scope: "api", allowJobToken: false });
  const result = await notifyPipelineFailure(
    config,
    ctx,
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
