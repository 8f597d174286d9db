import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RollbackReport } from "../../src/rollback/rollback-command.js";
import { readRecord } from "../../src/gitlab/rollback-record.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true, gitlab_environment: prod }
drift:
  expected:
    - paths: ["config/settings.*.yml"]
      between: [staging, production]
      reason: per-environment settings
rollback:
  migrations:
    paths: ["db/migrate/**"]
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

/**
 * production (main) as deployed: release 1 (deployment 11), then a fix, a merged feature of two
 * commits, and a commit that changes both the app and production's own settings (deployment 12).
 */
function deployedProduction() {
  const repo = new TestRepo();
  repo.commit("base", {
    "app.rb": "v1\n",
    "lib/util.rb": "util 1\n",
    "config/settings.production.yml": "workers: 4\n",
  });
  repo.git("branch", "-M", "main");
  const release1 = repo.head();
  const fix = repo.commit("Fix checkout", { "app.rb": "v2\n" });
  repo.checkout("feature", { from: "main" });
  const f1 = repo.commit("Feature part 1", { "lib/feature.rb": "feature 1\n" });
  const f2 = repo.commit("Feature part 2", { "lib/util.rb": "util 2\n" });
  repo.checkout("main");
  repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature");
  const merge = repo.head();
  const tune = repo.commit("Tune workers", {
    "app.rb": "v3\n",
    "config/settings.production.yml": "workers: 8\n",
  });
  const origin = join(tempDir(), "origin.git");
  execFileSync("git", ["init", "-q", "--bare", origin]);
  repo.git("remote", "add", "origin", origin);
  repo.git("push", "-q", "origin", "main");
  return { repo, origin, release1, fix, f1, f2, merge, tune, deployed: tune };
}

async function withGitLab(release1: string, deployed: string, options = {}) {
  standin = await new GitLabStandin(options).start();
  const project = standin.state.addProject("acme/shop");
  const deployment = (id: number, sha: string, at: string) => ({
    projectId: project.id,
    id,
    iid: id - 10,
    environment: "prod",
    ref: "main",
    sha,
    status: "SUCCESS",
    createdAt: at,
    finishedAt: at,
    jobId: id * 100,
  });
  standin.state.deployments.push(
    deployment(11, release1, "2026-11-01T10:00:00Z"),
    deployment(12, deployed, "2026-11-10T10:00:00Z"),
  );
  for (const id of [1100, 1200])
    standin.state.jobs.push({
      projectId: project.id,
      id,
      pipelineId: id + 1,
      name: "deploy",
      stage: "deploy",
      status: "success",
      log: "",
    });
  return { GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url };
}

async function rollback(
  repo: TestRepo,
  args: string[],
  env: Record<string, string> = {},
  yaml = YAML,
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, yaml);
  const argv = ["rollback", "-c", config, "--env", "production", "-C", repo.dir, "--json"];
  const { code, out, err } = await envsyncIn({ env: testEnv(env) }, ...argv, ...args);
  return { code, report: out ? (JSON.parse(out) as RollbackReport) : undefined, err };
}

const leftovers = (repo: TestRepo, origin?: string) => ({
  worktrees: repo.git("worktree", "list", "--porcelain").split("\n\n").filter(Boolean).length,
  branches: repo.git("branch", "--list", "envsync/*"),
  remote: origin
    ? execFileSync("git", ["branch", "--list", "envsync/*"], { cwd: origin, encoding: "utf8" })
    : "",
});

describe("envsync rollback --dry-run", () => {
  it("lists exactly the commits between the target and what is deployed, and the reverts", async () => {
    const { repo, origin, release1, deployed, fix, f1, f2, merge, tune } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const before = leftovers(repo, origin);
    const { code, report } = await rollback(repo, ["--dry-run"], env);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      status: "planned",
      dry_run: true,
      via: "revert",
      assessment: {
        deployed: { sha: deployed, deployment_id: 12 },
        target: { sha: release1, deployment_id: 11 },
        risk: "medium",
      },
    });
    const between = repo.git("rev-list", `${release1}..${deployed}`).split("\n");
    expect(report!.plan!.undone.map((c) => c.sha).sort()).toEqual([...between].sort());
    expect(report!.plan!.undone.map((c) => [c.sha, c.in_merge])).toEqual([
      [tune, undefined],
      [merge, undefined],
      [f2, merge],
      [f1, merge],
      [fix, undefined],
    ]);
    expect(report!.plan!.reverts.map((r) => [r.sha, r.merge])).toEqual([
      [tune, false],
      [merge, true],
      [fix, false],
    ]);
    expect(report!.plan!.branch).toBe(`envsync/rollback/production-${release1.slice(0, 8)}`);
    expect(report!.reverted!.map((r) => r.sha)).toEqual([tune, merge, fix]);
    expect(leftovers(repo, origin)).toEqual(before);
    expect(standin!.state.mergeRequests).toEqual([]);
  });
});

describe("envsync rollback --via revert", () => {
  it("makes a branch whose tree is the target's, keeping production's own settings, and opens one MR", async () => {
    const { repo, origin, release1, deployed } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const { code, report } = await rollback(repo, ["--confirm", "production"], env);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      status: "reverted",
      branch: `envsync/rollback/production-${release1.slice(0, 8)}`,
      merge_request: { iid: 1, action: "created" },
    });
    const branch = report!.branch!;
    // Everything is as the target has it, but the environment's own settings.
    expect(repo.git("diff", "--name-only", release1, branch)).toBe(
      "config/settings.production.yml",
    );
    expect(repo.git("show", `${branch}:config/settings.production.yml`)).toBe("workers: 8");
    expect(repo.git("rev-parse", `${branch}~3`)).toBe(deployed);
    expect(report!.reverted!.find((r) => r.sha === report!.plan!.reverts[0]!.sha)!.kept).toEqual([
      "config/settings.production.yml",
    ]);
    expect(repo.git("log", "-1", "--format=%B", branch)).toContain(
      `Envsync-Rollback: production ${deployed} -> ${release1}`,
    );
    expect(
      execFileSync("git", ["rev-parse", branch], { cwd: origin, encoding: "utf8" }).trim(),
    ).toBe(repo.git("rev-parse", branch));
    const mr = standin!.state.mergeRequests[0]!;
    expect(mr).toMatchObject({
      source_branch: branch,
      target_branch: "main",
      labels: expect.arrayContaining(["envsync-rollback"]),
    });
    expect(mr.description).toContain("Risk: **medium**");
    expect(mr.description).toContain("### Commits undone (5)");
    const record = readRecord(mr.description)!;
    expect(record).toMatchObject({ environment: "production", target: release1, deployed });
    expect(record.undone.map((u) => u.sha).sort()).toEqual(
      repo.git("rev-list", `${release1}..${deployed}`).split("\n").sort(),
    );
    expect(leftovers(repo).worktrees).toBe(1);

    const again = await rollback(repo, ["--confirm", "production"], env);
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({
      status: "unchanged",
      branch,
      merge_request: { iid: 1, action: "existing" },
    });
    expect(standin!.state.mergeRequests).toHaveLength(1);
    expect(repo.git("rev-parse", branch)).toBe(report!.reverted!.at(-1)!.new_sha);
  });

  it("finds the branch an earlier run pushed from another clone, and opens no second MR", async () => {
    const { repo, origin, release1, deployed } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const first = await rollback(repo, ["--confirm", "production"], env);
    expect(first.code).toBe(0);
    const clone = new TestRepo(tempDir("envsync-clone-"));
    clone.git("fetch", "-q", origin, "main:main");
    clone.git("remote", "add", "origin", origin);
    clone.checkout("main");
    const again = await rollback(clone, ["--confirm", "production"], env);
    expect(again.report).toMatchObject({ status: "unchanged", merge_request: { iid: 1 } });
    expect(standin!.state.mergeRequests).toHaveLength(1);
  });

  it("stops before any branch exists when an irreversible migration lies between (exit 3)", async () => {
    const { repo, origin, release1 } = deployedProduction();
    repo.commit("Drop legacy", {
      "db/migrate/20261102_drop_legacy.rb":
        "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    drop_table :legacy\n  end\nend\n",
    });
    repo.git("push", "-q", "origin", "main");
    const env = await withGitLab(release1, repo.head());
    const before = leftovers(repo, origin);
    for (const args of [["--confirm", "production"], ["--dry-run"]]) {
      const { code, report } = await rollback(repo, args, env);
      expect(code).toBe(3);
      expect(report).toMatchObject({ status: "blocked", assessment: { risk: "blocked" } });
      expect(report!.blocked_by![0]).toMatch(/^irreversible migration db\/migrate\/20261102/);
      expect(report).not.toHaveProperty("plan");
    }
    expect(leftovers(repo, origin)).toEqual(before);
    expect(standin!.state.mergeRequests).toEqual([]);
  });

  it("needs --confirm for a protected environment, and changes nothing without it", async () => {
    const { repo, origin, release1, deployed } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const before = leftovers(repo, origin);
    const { code, report } = await rollback(repo, [], env);
    expect(code).toBe(3);
    expect(report!.blocked_by).toEqual([
      "production needs confirmation (confirm production): add --confirm production",
    ]);
    expect(leftovers(repo, origin)).toEqual(before);
  });

  it("stops on a conflict that needs judgement, with nothing applied", async () => {
    const { repo, origin, release1, deployed } = deployedProduction();
    // Not deployed yet: a change on top of what the fix changed.
    repo.commit("Hotfix on top", { "app.rb": "v3 hotfix\n" });
    repo.git("push", "-q", "origin", "main");
    const env = await withGitLab(release1, deployed);
    const before = leftovers(repo, origin);
    const { code, report } = await rollback(repo, ["--confirm", "production"], env);
    expect(code).toBe(3);
    expect(report!.status).toBe("conflict");
    expect(report!.conflict!.files.map((f) => [f.path, f.tier])).toEqual([["app.rb", 2]]);
    expect(leftovers(repo, origin)).toEqual(before);
  });
});

describe("envsync rollback --via redeploy", () => {
  it("re-runs the target deployment's job", async () => {
    const { repo, release1, deployed } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const { code, report } = await rollback(
      repo,
      ["--via", "redeploy", "--confirm", "production"],
      env,
    );
    expect(code).toBe(0);
    expect(report!.redeploy).toMatchObject({
      status: "redeployed",
      job_id: 1100,
      deployment_id: 11,
      new_job: { status: "pending" },
    });
    expect(standin!.requests({ method: "POST", path: /\/jobs\/1100\/retry$/ })).toHaveLength(1);
  });

  it("is refused for a flow job's token, which may not retry jobs, before asking GitLab to", async () => {
    const { repo, release1, deployed } = deployedProduction();
    await withGitLab(release1, deployed, { tokenKind: "oauth", token: "oauth-flow-job-token" });
    const env = { GITLAB_TOKEN: standin!.token, GITLAB_URL: standin!.url };
    const { code, report } = await rollback(
      repo,
      ["--via", "redeploy", "--confirm", "production", "--to", release1],
      env,
    );
    expect(code).toBe(3);
    expect(report).toMatchObject({ status: "refused" });
    expect(report!.redeploy!.reason).toMatch(/flow job's token may not re-run jobs/);
    expect(standin!.requests({ path: /\/retry$/ })).toEqual([]);
  });

  it.each([
    ["outdated-job prevention", { retryable: false }, /will not re-run job 1100 .*not retryable/],
    ["a protected environment", { deployers: [999] }, /protected and the token's user is not/],
  ])("is refused by %s, with the reason", async (_name, job, reason) => {
    const { repo, release1, deployed } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    Object.assign(
      standin!.state.jobs.find((j) => j.id === 1100)!,
      job,
    );
    const { code, report } = await rollback(
      repo,
      ["--via", "redeploy", "--confirm", "production"],
      env,
    );
    expect(code).toBe(3);
    expect(report!.redeploy!.reason).toMatch(reason);
    expect(standin!.state.jobs).toHaveLength(2);
  });
});

describe("envsync rollback --after-diagnosis (rollback.auto)", () => {
  const AUTO = `${YAML}  auto:
    environments: [production]
    min_confidence: 0.8
    cooldown_minutes: 30
`;
  /** What `envsync doctor --json` says of a failed pipeline on main, blaming `suspects`. */
  function diagnosis(suspects: string[], confidence = 0.85, ref = "main"): string {
    const file = join(tempDir(), "diagnosis.json");
    writeFileSync(
      file,
      JSON.stringify({
        pipeline: { id: 4711, ref, sha: "a".repeat(40), status: "failed" },
        verdict: "code",
        hypotheses: [],
        suspects: {
          commits: suspects.map((sha) => ({ sha, title: "suspect" })),
          confidence,
          cause: "a code change in the 1 commit since the last green run",
        },
      }),
    );
    return file;
  }

  it("opens the rollback when every condition holds, says why on it, and asks GitLab to merge it", async () => {
    const { repo, origin, release1, deployed, fix } = deployedProduction();
    // The project runs a pipeline for each push: the rollback's merges when it succeeds.
    const env = await withGitLab(release1, deployed, { pipelineOnPush: true });
    standin!.state.repositories.set(standin!.state.project("acme/shop")!.id, origin);
    const { code, report } = await rollback(
      repo,
      ["--after-diagnosis", diagnosis([fix])],
      env,
      AUTO,
    );
    expect(code).toBe(0);
    expect(report).toMatchObject({
      status: "reverted",
      merge_request: { iid: 1, action: "created" },
      auto: { act: true, pipeline_id: 4711, confidence: 0.85, merge_when_pipeline_succeeds: true },
    });
    expect(report!.auto!.reasons[0]).toMatch(/blames 1 commit of the deployed release/);
    expect(standin!.state.mergeRequests[0]!.merge_when_pipeline_succeeds).toBe(true);
    expect(standin!.state.notes[0]!.body).toContain("opened this rollback on its own");

    // Within the cool-down a second failure rolls back nothing more.
    const again = await rollback(repo, ["--after-diagnosis", diagnosis([fix])], env, AUTO);
    expect(again.code).toBe(3);
    expect(again.report!.status).toBe("not rolled back");
    expect(again.report!.auto!.reasons).toEqual([
      expect.stringMatching(/^a rollback of production was opened 0 min ago \(cool-down 30 min\)$/),
    ]);
    expect(standin!.state.mergeRequests).toHaveLength(1);
  });

  it("opens the rollback but asks for no auto-merge while no pipeline runs for it (GitLab would merge at once)", async () => {
    const { repo, release1, deployed, fix } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const { code, report } = await rollback(
      repo,
      ["--after-diagnosis", diagnosis([fix])],
      env,
      AUTO,
    );
    expect(code).toBe(0);
    expect(report!.status).toBe("reverted");
    expect(report!.auto!.merge_when_pipeline_succeeds).toMatch(
      /^not set: no pipeline started for the head of envsync\/rollback\/production-.* within 7 s/,
    );
    expect(standin!.state.mergeRequests[0]!.merge_when_pipeline_succeeds).toBeUndefined();
    expect(standin!.log.some((r) => r.path.endsWith("/merge"))).toBe(false);
  });

  it("with a flow job's token: reverts and opens the MR, and says GitLab would not set auto-merge", async () => {
    const { repo, origin, release1, deployed, fix } = deployedProduction();
    await withGitLab(release1, deployed, {
      tokenKind: "oauth",
      token: "oauth-flow-job-token",
      pipelineOnPush: true,
    });
    standin!.state.repositories.set(standin!.state.project("acme/shop")!.id, origin);
    const env = { GITLAB_TOKEN: standin!.token, GITLAB_URL: standin!.url };
    const { code, report } = await rollback(
      repo,
      ["--after-diagnosis", diagnosis([fix]), "--to", release1],
      env,
      AUTO,
    );
    expect(code).toBe(0);
    expect(report).toMatchObject({
      status: "reverted",
      merge_request: { iid: 1, action: "created" },
      assessment: { deployments_from: { source: "deploy jobs" } },
    });
    expect(report!.auto!.merge_when_pipeline_succeeds).toMatch(/^not set: .*insufficient_scope/);
    expect(standin!.state.mergeRequests[0]!.merge_when_pipeline_succeeds).toBeUndefined();
  });

  it.each([
    ["production is not opted in", YAML, {}, /production is not in rollback.auto.environments/],
    ["the confidence is too low", AUTO, { confidence: 0.6 }, /confidence 0.6 is below .* 0.8/],
    ["a suspect is not deployed", AUTO, { outside: true }, /are not among the commits/],
    ["the pipeline ran elsewhere", AUTO, { ref: "staging" }, /ran on staging, not on main/],
  ])("does nothing when %s, and says so (exit 3)", async (_name, yaml, how, reason) => {
    const { repo, origin, release1, deployed, fix } = deployedProduction();
    const env = await withGitLab(release1, deployed);
    const opts = how as { confidence?: number; outside?: boolean; ref?: string };
    const suspects = opts.outside ? [fix, release1] : [fix];
    const before = leftovers(repo, origin);
    const { code, report } = await rollback(
      repo,
      ["--after-diagnosis", diagnosis(suspects, opts.confidence, opts.ref)],
      env,
      yaml,
    );
    expect(code).toBe(3);
    expect(report).toMatchObject({ status: "not rolled back", auto: { act: false } });
    expect(report!.auto!.reasons.join("\n")).toMatch(reason);
    expect(leftovers(repo, origin)).toEqual(before);
    expect(standin!.state.mergeRequests).toEqual([]);
  });

  it("never rolls back onto a blocked rollback", async () => {
    const { repo, release1, fix } = deployedProduction();
    repo.commit("Drop legacy", {
      "db/migrate/20261102_drop_legacy.rb":
        "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    drop_table :legacy\n  end\nend\n",
    });
    repo.git("push", "-q", "origin", "main");
    const env = await withGitLab(release1, repo.head());
    const { code, report } = await rollback(
      repo,
      ["--after-diagnosis", diagnosis([fix])],
      env,
      AUTO,
    );
    expect(code).toBe(3);
    expect(report!.auto!.reasons.join("\n")).toMatch(/the gate blocks it: irreversible migration/);
    expect(standin!.state.mergeRequests).toEqual([]);
  });

  it("refuses a file that is not the doctor's output (exit 2)", async () => {
    const { repo } = deployedProduction();
    const file = join(tempDir(), "x.json");
    writeFileSync(file, '{"verdict": "code"}');
    const { code, err } = await rollback(repo, ["--after-diagnosis", file], {}, AUTO);
    expect(code).toBe(2);
    expect(err).toContain("is not the output of `envsync doctor --json`");
  });
});
