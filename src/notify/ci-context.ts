/**
 * Where a `notify` run stands: the project, pipeline, branch and merge request of the CI job, read
 * from GitLab CI's predefined variables.
 */
import type { Env } from "../context.js";
import { usageError } from "../errors.js";
import type { NotifyContext } from "./pipeline-failure.js";

/** Reads the CI job's context from GitLab's predefined variables. */
export function ciContext(
  env: Env,
  options: { project?: string; pipeline?: number; issue?: string },
): NotifyContext {
  const project = env.CI_PROJECT_PATH ?? options.project;
  const pipelineId = options.pipeline ?? Number(env.CI_PIPELINE_ID);
  const branch = env.CI_COMMIT_REF_NAME;
  if (!project || !Number.isInteger(pipelineId) || pipelineId <= 0 || !branch) {
    throw usageError(
      "this runs in a GitLab CI job: CI_PROJECT_PATH, CI_PIPELINE_ID and CI_COMMIT_REF_NAME are not all set",
      {
        hint: "use the pipeline-doctor CI/CD component, or set them (and --pipeline) by hand",
        code: "not-in-ci",
      },
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
