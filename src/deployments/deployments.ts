/**
 * An environment's successful deployments, from what the token may read. GitLab's deployments API
 * refuses a Duo flow job's token (403 insufficient_scope); the environment's deploy jobs say the
 * same from what it may read: the jobs that name the environment in the branch's `.gitlab-ci.yml`,
 * and the pipelines that ran them. The answer says which source it came from, and why.
 */
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import {
  LATEST_PIPELINES,
  PIPELINE_JOBS,
  RAW_FILE,
  SUCCESSFUL_DEPLOYMENTS,
  type Deployment,
} from "../gitlab/rest-operations.js";
import { deployJobNames } from "./deploy-jobs.js";

export interface DeploymentHistory {
  /** Newest first. */
  deployments: Deployment[];
  source: "deployments" | "deploy jobs";
  /** Why the deployments API was not the source. */
  reason?: string;
  /** The deploy jobs read, by name. */
  jobs?: string[];
}

/** How many of the branch's newest pipelines are searched for deploy jobs. */
const PIPELINES_SEARCHED = 20;

export async function successfulDeployments(
  { rest }: Pick<GitLab, "rest">,
  project: string,
  environment: { gitlab_environment: string; branch: string; deploy_jobs?: string[] },
  limit: number,
): Promise<DeploymentHistory> {
  try {
    const deployments = await rest.run(SUCCESSFUL_DEPLOYMENTS, {
      project,
      environment: environment.gitlab_environment,
      limit,
    });
    return { deployments, source: "deployments" };
  } catch (error) {
    if (!(error instanceof GitLabError) || error.status !== 403) throw error;
    const reason = `GitLab refused this token the deployments API (${error.message})`;
    return { ...(await fromDeployJobs(rest, project, environment, limit)), reason };
  }
}

async function fromDeployJobs(
  rest: GitLab["rest"],
  project: string,
  environment: { gitlab_environment: string; branch: string; deploy_jobs?: string[] },
  limit: number,
): Promise<Omit<DeploymentHistory, "reason">> {
  const jobs =
    environment.deploy_jobs ??
    deployJobNames(
      await rest
        .run(RAW_FILE, { project, path: ".gitlab-ci.yml", ref: environment.branch })
        .catch((error: unknown) => {
          if (error instanceof GitLabError && error.status === 404) return "";
          throw error;
        }),
      environment.gitlab_environment,
    );
  const deployments: Deployment[] = [];
  if (jobs.length === 0) return { deployments, source: "deploy jobs", jobs };
  const pipelines = await rest.run(LATEST_PIPELINES, {
    project,
    ref: environment.branch,
    limit: PIPELINES_SEARCHED,
  });
  // Newest first, one request per pipeline, until enough are found.
  for (const pipeline of pipelines) {
    if (deployments.length >= limit) break;
    const ran = await rest.run(PIPELINE_JOBS, { project, pipelineId: pipeline.id });
    const job = ran.find((j) => jobs.includes(j.name) && j.status === "success");
    if (!job) continue;
    const at = job.finished_at ?? pipeline.created_at ?? "";
    deployments.push({
      id: job.id,
      iid: pipeline.id,
      sha: pipeline.sha,
      ref: pipeline.ref,
      status: "success",
      created_at: at,
      finished_at: job.finished_at ?? null,
    });
  }
  return { deployments, source: "deploy jobs", jobs };
}
