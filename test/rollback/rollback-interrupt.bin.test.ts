// SIGTERM while `rollback` resolves a conflict in its worktree: the run stops with `interrupted`,
// and neither the worktree nor the rollback branch is left behind; a rerun then does the rollback.
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { distCli, envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const leftovers = (repo: TestRepo) => ({
  worktrees: repo.git("worktree", "list", "--porcelain").split("\n\n").filter(Boolean).length,
  branches: repo.git("branch", "--list", "envsync/*"),
});

describe("rollback interrupted", () => {
  it("cleans up after SIGTERM mid-revert: no worktree, no branch, and a rerun works", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "package-lock.json": "lock v1\n" });
    repo.git("branch", "-M", "main");
    const release1 = repo.head();
    const bump = repo.commit("Bump deps", { "package-lock.json": "lock v2\n" });
    // Merged after the deployment: reverting the bump on top of it conflicts in the lockfile.
    repo.commit("Bump again", { "package-lock.json": "lock v3\n" });
    const origin = join(tempDir(), "origin.git");
    execFileSync("git", ["init", "-q", "--bare", origin]);
    repo.git("remote", "add", "origin", origin);
    repo.git("push", "-q", "origin", "main");
    standin = await new GitLabStandin().start();
    const project = standin.state.addProject("acme/shop");
    for (const [id, sha, at] of [
      [11, release1, "2026-11-01T10:00:00Z"],
      [12, bump, "2026-11-10T10:00:00Z"],
    ] as const)
      standin.state.deployments.push({
        ...{ projectId: project.id, id, iid: id, environment: "production", ref: "main", sha },
        ...{ status: "SUCCESS", createdAt: at, finishedAt: at },
      });
    const go = join(tempDir(), "go");
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(
      config,
      `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
conflicts:
  auto_resolve:
    - paths: ["package-lock.json"]
      strategy: regenerate
      command: ${JSON.stringify(`test -f ${go} || sleep 30; echo lock regenerated > package-lock.json`)}
`,
    );
    const env = testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url });
    const args = ["rollback", "--env", "production", "-c", config, "-C", repo.dir, "--json"];
    const before = leftovers(repo);
    const child = spawn(process.execPath, [distCli, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    // Wait until the revert is under way in its worktree, then interrupt.
    while (running && leftovers(repo).worktrees === before.worktrees)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running, `finished before it was interrupted: ${stdout.slice(0, 300)}`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    expect(await exited).toBe(130);
    expect(JSON.parse(stdout)).toEqual({ error: expect.objectContaining({ code: "interrupted" }) });
    expect(leftovers(repo)).toEqual(before);

    writeFileSync(go, "");
    const rerun = await envsyncIn({ env }, ...args);
    expect(rerun.code, rerun.err).toBe(0);
    const report = JSON.parse(rerun.out);
    expect(report).toMatchObject({ status: "reverted", merge_request: { iid: 1 } });
    expect(report.reverted[0].tier1[0]).toMatchObject({
      path: "package-lock.json",
      strategy: "regenerate",
    });
    expect(repo.git("show", `${report.branch}:package-lock.json`)).toBe("lock regenerated");
  }, 60_000);
});
