/**
 * Conflicts met while EnvSync rewrites a branch in a temporary worktree (a cherry-pick, a
 * rollback's reverts): tier-1 files resolved by their rule (ours, theirs, union, or a regenerate
 * command from envsync.yaml), every other conflicted file described with its hunks and tier for
 * the person or flow that decides; and the branch's expected differences (drift.expected), which a
 * rewrite gives back their version so they stay the environment's own.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matcherFor } from "../config/glob.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { Env } from "../context.js";
import { EnvsyncError } from "../errors.js";
import { readTextInside, writeFilesInside } from "../output/files.js";
import { commandEnvironment } from "../output/secrets.js";
import { interrupted, type Git } from "./git.js";
import type { TierDecision } from "./tiers.js";

export interface Tier1Resolution {
  path: string;
  strategy: string;
  rule: string;
  /** A `regenerate` rule: what its command printed (the end of it), or why it did not run. */
  command_output?: string;
  not_run?: "dry run";
}

export interface ConflictedFile {
  path: string;
  tier: 1 | 2 | 3;
  reason: string;
  /** The conflict hunks as git left them (ours, then theirs). */
  hunks: { ours: string; theirs: string }[];
}

/** The target's expected differences: drift.expected rules that name its environment. */
export function expectedFor(config: ResolvedConfig, env: ResolvedEnvironment) {
  return config.drift.expected.flatMap((rule, i) =>
    rule.between.includes(env.name)
      ? [{ matches: matcherFor(rule.paths), source: `drift.expected[${i}]` }]
      : [],
  );
}

/**
 * Gives the files the target keeps as they are (its expected differences) their version before
 * the pick, amending it. A pick that changed nothing else is dropped: it belongs to the
 * environment it came from.
 */
export async function keepTargetFiles(
  wt: Git,
  keep: { matches: (path: string) => boolean }[],
): Promise<string[] | "nothing left"> {
  if (keep.length === 0) return [];
  const changed = await changedPaths(wt, "HEAD~1", "HEAD");
  const kept = changed.filter((path) => keep.some((k) => k.matches(path)));
  if (kept.length === 0) return [];
  if (kept.length === changed.length) {
    await wt.run(["reset", "--quiet", "--hard", "HEAD~1"]);
    return "nothing left";
  }
  for (const path of kept) {
    const before = await wt.exec(["cat-file", "-e", `HEAD~1:${path}`], [1, 128]);
    if (before.exitCode === 0) await wt.run(["checkout", "HEAD~1", "--", path]);
    else await wt.run(["rm", "--quiet", "--force", "--", path]);
  }
  await wt.run(["-c", "core.editor=true", "commit", "--quiet", "--amend", "--no-edit"]);
  return kept;
}

/** Whether every path `sha` changes is one the target keeps as it is. */
export async function onlyKeptFiles(
  git: Git,
  sha: string,
  keep: { matches: (path: string) => boolean }[],
): Promise<boolean> {
  const paths = await changedPaths(git, `${sha}~1`, sha);
  return paths.length > 0 && paths.every((path) => keep.some((k) => k.matches(path)));
}

async function changedPaths(git: Git, from: string, to: string): Promise<string[]> {
  const args = ["-c", "core.quotePath=false", "diff", "--name-only", "--no-renames", from, to];
  return (await git.run(args)).split("\n").filter(Boolean);
}

export async function resolveByRule(
  wt: Git,
  where: { worktree: string; env: Env; dryRun: boolean; signal?: AbortSignal },
  path: string,
  { strategy, command }: { strategy: string; command?: string | undefined },
): Promise<Pick<Tier1Resolution, "command_output" | "not_run">> {
  const { worktree } = where;
  let ran: Pick<Tier1Resolution, "command_output" | "not_run"> = {};
  switch (strategy) {
    case "ours":
      await wt.run(["checkout", "--ours", "--", path]);
      break;
    case "theirs":
      await wt.run(["checkout", "--theirs", "--", path]);
      break;
    case "union": {
      // The stages are git's blobs, written to a private folder for merge-file; the merge goes
      // into the worktree through output/files.ts, which follows no link the repository holds.
      const stage = (n: number) => wt.run(["show", `:${n}:${path}`]).catch(() => "");
      const [base, ours, theirs] = await Promise.all([stage(1), stage(2), stage(3)]);
      const dir = await mkdtemp(join(tmpdir(), "envsync-union-"));
      try {
        await Promise.all([
          writeFile(join(dir, "ours"), ours),
          writeFile(join(dir, "base"), base),
          writeFile(join(dir, "theirs"), theirs),
        ]);
        const { stdout: merged } = await wt.exec(
          [
            "merge-file",
            "-p",
            "--union",
            join(dir, "ours"),
            join(dir, "base"),
            join(dir, "theirs"),
          ],
          [1],
        );
        await writeFilesInside(worktree, [{ path: join(worktree, path), content: merged }]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      break;
    }
    case "regenerate":
      // Start from the picked side, then let the rule's command rebuild the file (e.g. a lockfile).
      // A dry run runs no repository command: it says what would run.
      await wt.run(["checkout", "--theirs", "--", path]);
      ran = where.dryRun
        ? { not_run: "dry run" }
        : { command_output: await withGitConfigKept(wt, () => runCommand(command!, where, path)) };
      break;
  }
  await wt.run(["add", "--", path]);
  return ran;
}

/**
 * Runs a repository command and checks it left git's configuration as it was. Git runs programs
 * its configuration names (an fsmonitor, a clean filter, a textconv) in the commands EnvSync runs
 * next, which in a flow job's partial clone carry the job's credentials; a command from the
 * repository that adds one stops the pick here, before git runs it.
 */
async function withGitConfigKept<T>(git: Git, run: () => Promise<T>): Promise<T> {
  const configuration = () => git.run(["config", "--list", "--show-origin", "--includes"]);
  const before = await configuration();
  const result = await run();
  if ((await configuration()) !== before)
    throw new EnvsyncError(
      "config-changed",
      "a conflict rule's command changed git's configuration; nothing was applied",
      {
        hint:
          "a repository command may rebuild files, never configure git: see what changed with " +
          "`git config --list --show-origin`, undo it, and fix the rule's command",
      },
    );
  return result;
}

/** Output kept from a repository command: its last lines are what explains a failure. */
const MAX_COMMAND_OUTPUT = 2000;

/**
 * Runs a rule's command from the repository's envsync.yaml in the worktree, as a build script
 * would, with only the variables `commandEnvironment` keeps (no secret); returns the end of what
 * it printed. Nothing it started outlives it: whatever of its process group is still running when
 * it exits is stopped, so nothing changes git's configuration after it was checked.
 */
function runCommand(
  command: string,
  { worktree, env, signal }: { worktree: string; env: Env; signal?: AbortSignal },
  path: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so an interrupt stops everything the command started.
    const child = spawn("sh", ["-c", command], {
      cwd: worktree,
      env: commandEnvironment(env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stop = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Nothing of the group is left.
      }
    };
    signal?.addEventListener("abort", stop, { once: true });
    child.on("exit", stop);
    child.on("close", () => {
      signal?.removeEventListener("abort", stop);
      stop();
    });
    let output = "";
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-MAX_COMMAND_OUTPUT);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) => reject(error.name === "AbortError" ? interrupted() : error));
    child.on("close", (code) => {
      if (signal?.aborted) return reject(interrupted());
      if (code === 0) return resolve(output.trim());
      const last = output.trim().split("\n").pop();
      reject(
        new EnvsyncError(
          "regenerate-failed",
          `regenerating ${path} failed: \`${command}\` exited ${code}${last ? `: ${last}` : ""}`,
          { hint: "fix the rule's command in conflicts.auto_resolve" },
        ),
      );
    });
  });
}

export async function describeConflict(
  worktree: string,
  path: string,
  decision: TierDecision,
): Promise<ConflictedFile> {
  // A conflicted file that is a link (or is reached through one) shows no hunks: it is not read.
  const text = (await readTextInside(worktree, join(worktree, path)).catch(() => undefined)) ?? "";
  const hunks: ConflictedFile["hunks"] = [];
  for (const m of text.matchAll(/^<{7}[^\n]*\n([\s\S]*?)^={7}\n([\s\S]*?)^>{7}[^\n]*$/gm))
    hunks.push({ ours: m[1]!, theirs: m[2]! });
  return {
    path,
    tier: decision.tier,
    reason:
      decision.tier === 1 ? `${decision.source} (${decision.rule.strategy})` : decision.reason,
    hunks,
  };
}
