import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitsIn, patchIds, resolveBranch } from "../../src/git/commits.js";
import { EnvsyncError } from "../../src/errors.js";
import { commitSha, gitIn, GitError, isAncestor, tryGit } from "../../src/git/git.js";
import { envsync, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";

function setup() {
  const repo = new TestRepo();
  const base = repo.commit("base", { "a.txt": "a\n" });
  const next = repo.commit("next", { "b.txt": "b\n" });
  return { repo, base, next, git: gitIn(repo.dir, testEnv()) };
}

describe("git helpers on a real repository", () => {
  it("answer merge-base --is-ancestor with git's exit code: 0 yes, 1 no", async () => {
    const { git, base, next } = setup();
    expect(await isAncestor(git, base, next)).toBe(true);
    expect(await isAncestor(git, next, base)).toBe(false);
  });

  it("fail on a revision git cannot resolve instead of answering 'not an ancestor'", async () => {
    const { git, base } = setup();
    const failure = await isAncestor(git, "no-such-ref", base).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect(failure).toMatchObject({
      code: "git-failed",
      gitExitCode: 128,
      args: ["merge-base", "--is-ancestor", "no-such-ref", base],
    });
  });

  it("resolve a commit-ish to its full SHA, or undefined when there is none", async () => {
    const { git, next } = setup();
    expect(await commitSha(git, "HEAD")).toBe(next);
    expect(await commitSha(git, "no-such-ref")).toBeUndefined();
  });

  it("resolve a branch locally, else from origin, else say how to fetch it", async () => {
    const { repo, git, base } = setup();
    repo.git("update-ref", "refs/remotes/origin/staging", base);
    expect(await resolveBranch(git, "staging")).toBe(base);
    const missing = await resolveBranch(git, "production").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(EnvsyncError);
    expect(missing).toMatchObject({
      code: "branch-not-found",
      hint: "fetch it first: git fetch origin production:production",
    });
  });

  it("list commits newest first with their trailers, and stable patch ids", async () => {
    const { repo, git, base, next } = setup();
    repo.checkout("staging", { from: base });
    const picked = repo.pick(next);
    const commits = await commitsIn(git, `${base}..${picked}`);
    expect(commits.map((c) => [c.sha, c.subject, c.pickedFrom])).toEqual([
      [picked, "next", [next]],
    ]);
    const ids = await patchIds(git, "--no-walk", next, picked);
    expect(ids.get(next)).toBeDefined();
    expect(ids.get(picked)).toBe(ids.get(next));
  });
});

describe("tryGit: a non-zero exit is git's answer, a git that cannot run is not", () => {
  it("gives back whatever exit code git answers with", async () => {
    const dir = tempDir();
    const answer = await tryGit(gitIn(dir, testEnv()), ["rev-parse", "--is-inside-work-tree"]);
    expect(answer.exitCode).toBe(128);
    const { git } = setup();
    const remote = await tryGit(git, ["remote", "get-url", "origin"]);
    expect(remote.exitCode).toBe(2);
  });

  it("reports a directory that does not exist as such, not as 'not a checkout'", async () => {
    const missing = join(tempDir(), "typo");
    const git = gitIn(missing, testEnv());
    for (const attempt of [
      tryGit(git, ["status"]),
      git.pipe(["log", "-p"], ["patch-id", "--stable"]),
    ]) {
      const failure = await attempt.catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(EnvsyncError);
      expect(failure).toMatchObject({ code: "directory-missing", exitCode: 2 });
      expect((failure as Error).message).toBe(`${missing} does not exist`);
    }
  });

  it("reports a file given as the directory as not a directory", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(file, "version: 1\n");
    const failure = await tryGit(gitIn(file, testEnv()), ["status"]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "directory-missing" });
    expect((failure as Error).message).toBe(`${file} is not a directory`);
  });

  it("reports a missing git binary as git-missing, not as a failed answer", async () => {
    const git = gitIn(tempDir(), testEnv({ PATH: tempDir() }));
    const failure = await tryGit(git, ["status"]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect(failure).toMatchObject({ code: "git-missing", gitExitCode: -1 });
  });

  it("makes `drift -C` a directory that does not exist a usage error naming it", async () => {
    const missing = join(tempDir(), "typo");
    const result = await envsync("drift", "-c", "examples/envsync.yaml", "-C", missing, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out).error).toMatchObject({
      code: "directory-missing",
      message: `${missing} does not exist`,
    });
  });
});
