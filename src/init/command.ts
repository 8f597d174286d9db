import { join, relative } from "node:path";
import { parseConfig } from "../config/load.js";
import type { CommandContext } from "../context.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { commitSha, gitIn, type Git } from "../git/git.js";
import { requireCheckout } from "../git/checkout.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { openGitLab, repositoryProject, type GitLabNeeds } from "../gitlab/access.js";
import { LIST_PROTECTED_BRANCHES } from "../gitlab/protection-rest.js";
import { ENVIRONMENTS } from "../gitlab/rest-operations.js";
import { existsInside, rootFor, writeFilesInside } from "../output/files.js";
import { json } from "../output/io.js";
import { detectLayout, type DetectedEnvironment } from "./layout.js";
import { detectMigrations, type DetectedMigrations } from "./migrations.js";
import { renderConfig } from "./render.js";
import type { InitOptions } from "./cli.js";

export async function initCommand(
  options: InitOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "ask">,
): Promise<number> {
  const { io, env } = ctx;
  const file = options.output ?? join(options.repo, "envsync.yaml");
  // Inside the repository, no link is followed; a file named elsewhere is in a folder of the user's.
  const root = rootFor(file, "file", options.repo);
  if (await existsInside(root, file))
    throw new EnvsyncError("file-exists", `${file} exists; init never overwrites a file`, {
      hint: "edit it, or name another file with -o",
    });
  await requireCheckout(options.repo, env);
  const git = gitIn(options.repo, env);
  const refs = await git.run([
    "for-each-ref",
    "--format=%(refname)",
    "refs/heads",
    "refs/remotes/origin",
  ]);
  const branches = refs
    .split("\n")
    .filter(Boolean)
    .map((ref) => ref.replace(/^refs\/heads\//, "").replace(/^refs\/remotes\/origin\//, ""))
    .filter((b) => b !== "HEAD");

  const { project, gitlab } = await fromGitLab(ctx, options.repo);
  const environments = detectLayout(branches, gitlab ?? {});
  if (environments.length < 2)
    throw new EnvsyncError(
      "no-layout",
      `found ${environments.length === 0 ? "no" : "only one"} environment branch among ${branches.length} branches`,
      {
        hint: "create the environment branches (e.g. develop, staging, main) or write envsync.yaml by hand (examples/minimal.yaml)",
      },
    );
  const sources = gitlab ? "the repository's branches and GitLab" : "the repository's branches";
  const migrations = detectMigrations(await trackedFiles(git, environments.at(-1)!.branch));
  const text = renderConfig(environments, {
    ...(project ? { project } : {}),
    sources,
    migrations,
  });
  // What init writes, validate accepts: checked before anything is shown or written.
  parseConfig(text, file);

  // Without --yes, a person at a terminal sees the file and says whether to write it.
  let confirmed = Boolean(options.yes) && !options.dryRun;
  const asked = !options.dryRun && !confirmed && ctx.ask !== undefined;
  if (asked) {
    io.stdout(text);
    confirmed = await ctx.ask!(`Write ${file}? [y/N] `);
  }
  if (confirmed) {
    if (await existsInside(root, file))
      throw new EnvsyncError("file-exists", `${file} appeared meanwhile; nothing was written`);
    await writeFilesInside(root, [{ path: file, content: text }]);
  }
  if (options.json) {
    io.stdout(
      json({ file, written: confirmed, environments, migrations, gitlab: Boolean(gitlab) }),
    );
  } else if (confirmed) {
    io.stdout(`wrote ${relative(".", file) || file}: ${summary(environments, migrations)}\n`);
  } else {
    if (!asked) io.stdout(text);
    io.stderr(`${file} not written; run again with --yes to write it\n`);
  }
  return ExitCode.ok;
}

function summary(
  environments: readonly DetectedEnvironment[],
  migrations: readonly DetectedMigrations[],
): string {
  const chain = environments
    .map((e) => `${e.name} (${e.branch}${e.protected ? ", protected" : ""})`)
    .join(" → ");
  return migrations.length > 0
    ? `${chain}; migrations in ${migrations.map((m) => `${m.path} (${m.frameworks})`).join(", ")}`
    : chain;
}

/**
 * The files committed at HEAD, or, in a clone with nothing checked out, on the last environment's
 * branch (the branch may exist only on origin).
 */
async function trackedFiles(git: Git, lastBranch: string): Promise<string[]> {
  const head =
    (await commitSha(git, "HEAD")) ??
    (await commitSha(git, lastBranch)) ??
    (await commitSha(git, `refs/remotes/origin/${lastBranch}`));
  if (!head) return [];
  const out = await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", head]);
  return out.split("\0").filter(Boolean);
}

/** init reads protected branches, which GitLab does not show to CI_JOB_TOKEN. */
const READ: GitLabNeeds = { scope: "read_api", jobToken: false };

/**
 * The project, and GitLab's environments and protected branches when a token and the project are
 * known. The origin remote is read once, by whichever of the two asks for it.
 */
async function fromGitLab(
  ctx: Pick<CommandContext, "io" | "env" | "http">,
  repo: string,
): Promise<{
  project?: string | undefined;
  gitlab?: {
    environments: string[];
    protectedBranches: string[];
    pushLevels: Map<string, number[]>;
  };
}> {
  if (!hasGitLabToken(ctx.env)) return { project: await repositoryProject(ctx, repo) };
  let gitlab: Awaited<ReturnType<typeof openGitLab<typeof READ>>>;
  try {
    gitlab = await openGitLab(ctx, READ, { repo });
  } catch (error) {
    // The token stays home when only the origin remote names the instance; init goes on without.
    if (!(error instanceof EnvsyncError) || error.code !== "gitlab-instance-unnamed") throw error;
    ctx.io.stderr(`GitLab not read (${error.summary}); using the branches alone (${error.hint})\n`);
    return { project: await repositoryProject(ctx, repo) };
  }
  const { rest, project } = gitlab;
  if (!project) return {};
  try {
    const [environments, protectedBranches] = await Promise.all([
      rest.run(ENVIRONMENTS, { project }),
      rest.run(LIST_PROTECTED_BRANCHES, { project }),
    ]);
    // Roles only: a user, group or deploy key allowed to push says nothing of the level.
    const isRole = (e: {
      user_id?: number | null;
      group_id?: number | null;
      deploy_key_id?: number | null;
    }) => [e.user_id, e.group_id, e.deploy_key_id].every((v) => v === null || v === undefined);
    return {
      project,
      gitlab: {
        environments: environments.map((e) => e.name),
        protectedBranches: protectedBranches.map((b) => b.name),
        pushLevels: new Map(
          protectedBranches.map((b) => [
            b.name,
            b.push_access_levels.filter(isRole).map((e) => e.access_level ?? 0),
          ]),
        ),
      },
    };
  } catch (error) {
    if (!(error instanceof EnvsyncError)) throw error;
    ctx.io.stderr(`GitLab not read (${error.summary}); using the branches alone\n`);
    return { project };
  }
}
