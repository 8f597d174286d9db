/**
 * The facts a rollback check needs: deployments from GitLab (when a token and project are known),
 * commits and migration files from the local clone.
 */
import { matcherFor } from "../config/glob.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { classifyMigration, type MigrationFinding } from "./migrations.js";
import { EnvsyncError, usageError } from "../errors.js";
import { commitSha, isAncestor, type Git } from "../git/git.js";
import type { Deployment } from "../gitlab/rest-operations.js";
import { ensureHistory, resolveBranch } from "../git/commits.js";
import type { Revision } from "./assess.js";

export async function resolveRevisions(
  git: Git,
  env: ResolvedEnvironment,
  options: {
    to?: string;
    toDeployment?: number;
    deployments?: Deployment[];
    /** Fetches missing history (with the job's git credentials). */
    fetcher?: Git;
  },
): Promise<{ deployed: Revision; target: Revision }> {
  await ensureHistory(git, [env.branch], options.fetcher);
  const deployments = options.deployments ?? [];
  const latest = deployments[0];
  const deployed: Revision = latest
    ? { sha: latest.sha, source: "deployment", deployment_id: latest.id, at: latest.created_at }
    : { sha: await resolveBranch(git, env.branch), source: "branch head" };
  let target: Revision;
  if (options.to) target = { sha: await commitOf(git, options.to), source: "given" };
  else if (options.toDeployment !== undefined) {
    const d = deployments.find(
      (x) => x.id === options.toDeployment || x.iid === options.toDeployment,
    );
    if (!d)
      throw usageError(
        `deployment ${options.toDeployment} is not among ${env.gitlab_environment}'s recent successful deployments`,
        { code: "deployment-not-found" },
      );
    target = { sha: d.sha, source: "deployment", deployment_id: d.id, at: d.created_at };
  } else {
    const previous = deployments.find((d) => d.sha !== deployed.sha);
    if (!previous) {
      throw usageError(`no previous successful deployment of ${env.gitlab_environment} is known`, {
        hint:
          deployments.length === 0
            ? "pass --to SHA (and set GITLAB_TOKEN with the project, to read deployments)"
            : "pass --to SHA",
        code: "no-previous-deployment",
      });
    }
    target = {
      sha: previous.sha,
      source: "previous deployment",
      deployment_id: previous.id,
      at: previous.created_at,
    };
  }
  return { deployed: { ...deployed, sha: await commitOf(git, deployed.sha) }, target };
}

export async function migrationsBetween(
  git: Git,
  config: ResolvedConfig,
  target: string,
  deployed: string,
): Promise<{ commits: number; migrations: MigrationFinding[] }> {
  if (!(await isAncestor(git, target, deployed))) {
    throw usageError(
      `the target ${target.slice(0, 10)} is not an ancestor of what is deployed (${deployed.slice(0, 10)})`,
      {
        hint: "a rollback goes back in the environment's history; pick an earlier commit",
        code: "target-not-ancestor",
      },
    );
  }
  const commits = Number((await git.run(["rev-list", "--count", `${target}..${deployed}`])).trim());
  const isMigration = matcherFor(config.rollback.migrations.paths);
  const changed = (
    await git.run([
      "-c",
      "core.quotePath=false",
      "diff",
      "--name-only",
      "--diff-filter=AM",
      target,
      deployed,
      "--",
    ])
  )
    .split("\n")
    .filter((p) => p && isMigration(p));
  const contents = await Promise.all(changed.map((p) => git.run(["show", `${deployed}:${p}`])));
  return {
    commits,
    migrations: changed.map((p, i) => classifyMigration(p, contents[i]!, changed)),
  };
}

async function commitOf(git: Git, ref: string): Promise<string> {
  const sha = await commitSha(git, ref);
  if (!sha)
    throw new EnvsyncError("not-a-commit", `'${ref}' is not a commit in this repository`, {
      hint: "fetch the environment branch with its history (git fetch --unshallow)",
    });
  return sha;
}
