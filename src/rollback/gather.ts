/**
 * The facts a rollback check needs: deployments from GitLab (when a token and project are known),
 * commits and migration files from the local clone.
 */
import { matcherFor } from "../config/glob.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { dirname } from "node:path/posix";
import pLimit from "p-limit";
import { mapTakingTurns } from "../core/turns.js";
import {
  addedLines,
  classifyMigration,
  destructiveAddedSql,
  isCompanionFile,
  migrationByContent,
  type MigrationFinding,
} from "./migrations.js";
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
  signal?: AbortSignal,
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
  const inPaths = matcherFor(config.rollback.migrations.paths);
  // Added or changed at the deployed revision. Without --no-renames a migration that was moved
  // (a rename, or a copy git guesses) would be neither A nor M, and silently left out.
  const changed = nulSeparated(
    await git.run([
      ...["diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM"],
      ...[target, deployed, "--"],
    ]),
  ).filter((p) => !isCompanionFile(p));
  const configured = changed.filter(inPaths);
  const candidates = changed.filter((p) => !inPaths(p) && MAY_BE_MIGRATION.test(p));
  const text = await textFiles(git, target, deployed, [...configured, ...candidates]);

  const limit = pLimit(8);
  const read = (paths: readonly string[]) =>
    Promise.all(
      paths.map((path) =>
        limit(async () => ({ path, content: await git.run(["show", `${deployed}:${path}`]) })),
      ),
    );
  const inside = await read(configured);
  // Outside the paths, a file counts when its content says it is a migration, or, for plain SQL,
  // when what was added to it destroys data.
  const others = await read(candidates.filter((p) => text.has(p)));
  const outside = others.filter((f) => migrationByContent(f.path, f.content));
  const plainSql = others.filter((f) => !outside.includes(f) && /\.sql$/i.test(f.path));
  const siblings = await filesBeside(git, deployed, [...inside, ...outside]);
  const destructiveSql = await Promise.all(
    plainSql.map(({ path }) =>
      limit(async () =>
        destructiveAddedSql(path, addedLines(await addedDiff(git, target, deployed, path))),
      ),
    ),
  );
  const classify = (f: { path: string; content: string }) =>
    classifyMigration(f.path, f.content, siblings);
  const insideFindings = await mapTakingTurns(inside, classify, signal);
  const outsideFindings = await mapTakingTurns(outside, classify, signal);
  return {
    commits,
    migrations: [
      ...insideFindings,
      ...[...outsideFindings, ...destructiveSql.filter((f) => f !== undefined)].map(
        outsideThePaths,
      ),
    ],
  };
}

/** A finding for a file outside rollback.migrations.paths, with the glob that would take it in. */
function outsideThePaths(finding: MigrationFinding): MigrationFinding {
  const folder = dirname(finding.path);
  const glob = folder === "." ? finding.path : `${folder}/**`;
  return { ...finding, outside_paths: true, hint: `add "${glob}" to rollback.migrations.paths` };
}

/** Extensions of the files migration frameworks write; other files are never read. */
const MAY_BE_MIGRATION = /\.(sql|rb|py|php|cs|go|[cm]?[jt]s|xml|ya?ml|json)$/i;

const nulSeparated = (out: string) => out.split("\0").filter(Boolean);

/** Paths as pathspecs: from the top of the repository (-C may name a subfolder), no globbing. */
const pathspecs = (paths: readonly string[]) => paths.map((p) => `:(top,literal)${p}`);

/** Paths per git command line, well under the limit on a command line's length. */
const PATHS_PER_COMMAND = 500;

/**
 * Which of `paths` are text (binary files show `-` counts). Counting lines makes git read the
 * files, so in a partial clone this one command fetches every blob the check reads in one go,
 * instead of one fetch per file.
 */
async function textFiles(
  git: Git,
  target: string,
  deployed: string,
  paths: readonly string[],
): Promise<Set<string>> {
  const text = new Set<string>();
  for (let i = 0; i < paths.length; i += PATHS_PER_COMMAND) {
    const out = await git.run([
      ...["diff", "--numstat", "-z", "--no-renames", "--diff-filter=AM", target, deployed],
      ...["--", ...pathspecs(paths.slice(i, i + PATHS_PER_COMMAND))],
    ]);
    for (const entry of nulSeparated(out)) {
      const [added, , ...path] = entry.split("\t");
      if (added !== "-") text.add(path.join("\t"));
    }
  }
  return text;
}

/**
 * Every file at the deployed revision in the migrations' folders: a migration's pair (Flyway's
 * undo, golang-migrate's .down.sql) counts when it exists there, changed in between or not.
 */
async function filesBeside(
  git: Git,
  deployed: string,
  migrations: readonly { path: string }[],
): Promise<string[]> {
  // A migration at the root of the repository: its folder is the whole tree.
  const folders = [...new Set(migrations.map((m) => dirname(m.path).replace(/^\.$/, "")))];
  const files: string[] = [];
  for (let i = 0; i < folders.length; i += PATHS_PER_COMMAND) {
    const out = await git.run([
      ...["ls-tree", "-r", "-z", "--name-only", "--full-tree", deployed],
      ...["--", ...pathspecs(folders.slice(i, i + PATHS_PER_COMMAND))],
    ]);
    files.push(...nulSeparated(out));
  }
  return files;
}

/** The diff of one file with no context: its hunks say which lines were added, and where. */
function addedDiff(git: Git, target: string, deployed: string, path: string): Promise<string> {
  return git.run([
    ...["diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", target, deployed],
    ...["--", ...pathspecs([path])],
  ]);
}

async function commitOf(git: Git, ref: string): Promise<string> {
  const sha = await commitSha(git, ref);
  if (!sha)
    throw new EnvsyncError("not-a-commit", `'${ref}' is not a commit in this repository`, {
      hint: "fetch the environment branch with its history (git fetch --unshallow)",
    });
  return sha;
}
