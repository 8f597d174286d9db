/**
 * Status over REST, for a token GraphQL withholds the repository, pipelines and environments from
 * (a Duo flow job's: GitLab checks GraphQL scopes field by field and answers null). The same facts
 * from the routes that token may read: the branch, its newest pipeline, and the deployments (or the
 * deploy jobs, where the deployments API refuses it too).
 */
import type { ResolvedEnvironment } from "../config/types.js";
import { successfulDeployments } from "../deployments/deployments.js";
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import type { StatusProjectNode } from "../gitlab/queries.js";
import { BRANCH, LATEST_PIPELINES } from "../gitlab/rest-operations.js";
import { allSettledFirst } from "../gitlab/settle.js";

export async function statusOverRest(
  gitlab: Pick<GitLab, "rest">,
  project: string,
  webUrl: string,
  environments: readonly ResolvedEnvironment[],
): Promise<StatusProjectNode> {
  const pathOf = (url: string) => new URL(url).pathname;
  let deploymentsFrom: StatusProjectNode["deploymentsFrom"];
  const read = await allSettledFirst(
    environments.map(async (env) => {
      const [branch, pipelines, history] = await allSettledFirst([
        gitlab.rest.run(BRANCH, { project, branch: env.branch }).catch(noneOn404),
        gitlab.rest.run(LATEST_PIPELINES, { project, ref: env.branch, limit: 1 }),
        successfulDeployments(gitlab, project, env, 1),
      ]);
      // One project, one answer: the deploy jobs wherever any environment needed them.
      if (deploymentsFrom !== "deploy jobs") deploymentsFrom = history.source;
      const pipeline = pipelines[0];
      const deployment = history.deployments[0];
      return {
        head: branch && {
          sha: branch.commit.id,
          title: branch.commit.title,
          committedDate: branch.commit.committed_date,
          webPath: pathOf(branch.commit.web_url),
        },
        pipeline: pipeline
          ? {
              iid: String(pipeline.id),
              status: pipeline.status,
              createdAt: pipeline.created_at ?? "",
              path: pathOf(pipeline.web_url),
            }
          : null,
        deployment: deployment
          ? {
              iid: String(deployment.iid),
              createdAt: deployment.created_at,
              finishedAt: deployment.finished_at ?? null,
              ref: deployment.ref,
              sha: deployment.sha,
            }
          : null,
      };
    }),
  );
  return {
    webUrl,
    withheld: false,
    ...(deploymentsFrom ? { deploymentsFrom } : {}),
    environments: read,
  };
}

/** A branch that does not exist is no head, as in the GraphQL answer. */
function noneOn404(error: unknown): null {
  if (error instanceof GitLabError && error.status === 404) return null;
  throw error;
}
