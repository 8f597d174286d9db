import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PromotionReport } from "../../src/promote/promote.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";
import { recordLine } from "../../src/gitlab/rollback-record.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const YAML = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main, protected: true }
conflicts:
  always_manual: ["db/migrate/**"]
`;

let standin: GitLabStandin;
let repo: TestRepo;
let projectId: number;

beforeEach(async () => {
  standin = await new GitLabStandin().start();
  attachRepositoryRoutes(standin);
  repo = new TestRepo();
  repo.commit("base", { "app.js": "1\n" });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  repo.checkout("staging");
  repo.commit("Staging feature", { "feature.js": "f\n" });
  projectId = standin.state.addProject("acme/shop").id;
  standin.state.repositories.set(projectId, repo.dir);
});
afterEach(() => standin.stop());

/** The staging head's pipeline and deployment, as GitLab would record them. */
function greenAndDeployed(
  options: { pipeline?: string; deployedSha?: string; minutesAgo?: number } = {},
) {
  const head = repo.git("rev-parse", "staging");
  standin.state.pipelines.push({
    projectId,
    id: standin.state.id(),
    iid: 1,
    ref: "staging",
    sha: head,
    status: options.pipeline ?? "SUCCESS",
    createdAt: "2026-11-24T10:00:00Z",
  });
  const finished = new Date(NOW.getTime() - (options.minutesAgo ?? 120) * 60_000).toISOString();
  standin.state.deployments.push({
    projectId,
    id: standin.state.id(),
    iid: 1,
    environment: "staging",
    ref: "staging",
    sha: options.deployedSha ?? head,
    status: "SUCCESS",
    createdAt: finished,
    finishedAt: finished,
  });
}

async function promote(yaml: string, ...args: string[]) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, yaml);
  const result = await envsyncIn(
    {
      env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }),
      now: () => NOW,
    },
    ...["promote", ...args, "-c", config, "-C", repo.dir, "--json"],
  );
  return {
    ...result,
    report: result.out ? (JSON.parse(result.out) as PromotionReport) : undefined,
  };
}

const statusOf = (report: PromotionReport | undefined, gate: string) =>
  report!.gates.find((g) => g.name === gate)?.status;

describe("envsync promote", () => {
  it("opens the promotion MR when every gate passes, then updates it instead of opening another", async () => {
    greenAndDeployed();
    const first = await promote(YAML, "staging", "production", "--confirm", "production");
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.report).toMatchObject({
      from: "staging",
      to: "production",
      allowed: true,
      pending: [{ subject: "Staging feature", author: "Dev One" }],
      merge_request: { iid: 1, action: "created" },
    });
    expect(first.report!.gates.map((g) => [g.name, g.status])).toEqual([
      ["pipeline", "pass"],
      ["deployed", "pass"],
      ["hotfixes", "pass"],
      ["rolled_back", "pass"],
      ["always_manual", "pass"],
    ]);
    const mr = standin.state.mergeRequests[0]!;
    expect(mr).toMatchObject({ source_branch: "staging", target_branch: "main" });
    expect(mr.labels).toEqual(["envsync", "promotion"]);
    expect(mr.description).toContain("`Staging feature`");
    expect(mr.description).toContain("| pipeline | pass |");

    repo.commit("Second feature", { "second.js": "s\n" });
    greenAndDeployed({ minutesAgo: 60 });
    const second = await promote(YAML, "staging", "production", "--confirm", "production");
    expect(second.report!.merge_request).toMatchObject({ iid: 1, action: "updated" });
    expect(standin.state.mergeRequests).toHaveLength(1);
    expect(standin.state.mergeRequests[0]!.description).toContain("Second feature");
  });

  it("blocks (exit 3) when the source head's pipeline failed, and opens nothing", async () => {
    greenAndDeployed({ pipeline: "FAILED" });
    const { code, report } = await promote(
      YAML,
      "staging",
      "production",
      "--confirm",
      "production",
    );
    expect(code).toBe(3);
    expect(report).toMatchObject({ allowed: false, merge_request: null });
    expect(statusOf(report, "pipeline")).toBe("fail");
    expect(standin.state.mergeRequests).toEqual([]);
  });

  it("blocks when the source environment does not run its head", async () => {
    greenAndDeployed({ deployedSha: repo.git("rev-parse", "main") });
    const { code, report } = await promote(YAML, "staging", "production", "--dry-run");
    expect(code).toBe(3);
    expect(report!.gates.find((g) => g.name === "deployed")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("not the head") as string,
    });
  });

  it("blocks a promotion that would revert a hotfix on the target", async () => {
    repo.checkout("main");
    repo.commit("Hotfix on production", { "hot.js": "h\n" });
    repo.checkout("staging");
    greenAndDeployed();
    const { code, report } = await promote(YAML, "staging", "production", "--dry-run");
    expect(code).toBe(3);
    expect(report!.gates.find((g) => g.name === "hotfixes")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("would be reverted") as string,
    });
  });

  it("holds a promotion inside its soak time", async () => {
    greenAndDeployed({ minutesAgo: 5 });
    const yaml = `${YAML}promotion:\n  gates:\n    soak_minutes: 30\n`;
    const { code, report } = await promote(yaml, "staging", "production", "--dry-run");
    expect(code).toBe(3);
    expect(report!.gates.find((g) => g.name === "soak")).toMatchObject({
      status: "fail",
      detail: "deployed 5 min ago; the soak is 30 min",
    });
  });

  it("reports always_manual paths without blocking, and blocks when configured to", async () => {
    repo.commit("Add a migration", { "db/migrate/2_add.rb": "add\n" });
    greenAndDeployed();
    const reported = await promote(YAML, "staging", "production", "--dry-run");
    expect(reported.code).toBe(0);
    // It informs and allows: a notice, not a failure.
    expect(statusOf(reported.report, "always_manual")).toBe("notice");
    const yaml = `${YAML}promotion:\n  gates:\n    always_manual: block\n`;
    const blocked = await promote(yaml, "staging", "production", "--dry-run");
    expect(blocked.code).toBe(3);
    expect(statusOf(blocked.report, "always_manual")).toBe("fail");
  });

  it("treats gates it cannot check offline as unknown: blocking for a protected target only", async () => {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const offline = (from: string, to: string) =>
      envsyncIn(
        { env: testEnv(), now: () => NOW },
        ...["promote", from, to, "-c", config, "-C", repo.dir, "--dry-run", "--json"],
      );
    const protectedTarget = await offline("staging", "production");
    expect(protectedTarget.code).toBe(3);
    const report = JSON.parse(protectedTarget.out) as PromotionReport;
    expect(statusOf(report, "pipeline")).toBe("unknown");
    expect(statusOf(report, "deployed")).toBe("unknown");
    // Nothing was tried without a token, and the detail says so (not "not reachable").
    expect(report.gates.find((g) => g.name === "pipeline")?.detail).toMatch(
      /^not asked: no GitLab token/,
    );
    repo.checkout("develop");
    repo.git("merge", "-q", "--no-edit", "staging");
    repo.commit("Dev feature", { "dev.js": "d\n" });
    const open = await offline("dev", "staging");
    expect(open.code).toBe(0);
    expect((JSON.parse(open.out) as PromotionReport).allowed).toBe(true);
  });

  it.each([
    [["dev", "production", "--dry-run"], /dev → production is not a step of the promotion chain/],
    [["staging", "production"], /production is protected: nothing was written/],
    [["staging", "prod", "--dry-run"], /'prod' is not an environment/],
  ])("refuses %j as a usage error (exit 2)", async (args, message) => {
    const { code, err } = await promote(YAML, ...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(standin.state.mergeRequests).toEqual([]);
  });
});

describe("expected differences in a promotion", () => {
  const WITH_SETTINGS = `${YAML}drift:
  expected:
    - paths: [config/app.yml]
      between: [staging, production]
      reason: each environment's own settings
`;

  /** Each branch tunes its own config/app.yml; staging also has features, one with a setting. */
  function ownSettings() {
    repo.checkout("main");
    repo.commit("Production settings", { "config/app.yml": "pool: 50\n" });
    repo.checkout("staging");
    repo.commit("Staging settings", { "config/app.yml": "pool: 5\n" });
    repo.commit("Feature with its setting", {
      "feature2.js": "g\n",
      "config/app.yml": "pool: 5\nflag: on\n",
    });
  }

  it("are environment-local commits: not pending, not hotfixes, and drift needs no attention", async () => {
    ownSettings();
    greenAndDeployed();
    const { report } = await promote(WITH_SETTINGS, "staging", "production", "--dry-run");
    expect(report!.pending.map((c) => c.subject).sort()).toEqual([
      "Feature with its setting",
      "Staging feature",
    ]);
    expect(statusOf(report, "hotfixes")).toBe("pass");
    expect(report!.promotion_branch).toEqual({
      name: "envsync/promote/staging-to-production",
      kept: [{ path: "config/app.yml", action: "update" }],
      action: "planned",
    });
    expect(standin.state.mergeRequests).toEqual([]);

    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, WITH_SETTINGS);
    const drift = await envsyncIn(
      {},
      ...["drift", "-c", config, "-C", repo.dir, "--from", "staging", "--to", "production"],
    );
    expect(drift.code).toBe(0);
    expect(drift.out).toContain("environment-local 2");
    expect(drift.out).toMatch(/Production settings .* on main/);
    expect(drift.out).toMatch(/Staging settings .* on staging/);
  });

  it("opens the MR from EnvSync's branch, whose merge leaves the target's files as they are", async () => {
    ownSettings();
    greenAndDeployed();
    const first = await promote(WITH_SETTINGS, "staging", "production", "--confirm", "production");
    expect(first.code).toBe(0);
    expect(first.report!.promotion_branch).toMatchObject({ action: "created" });
    const mr = standin.state.mergeRequests[0]!;
    expect(mr).toMatchObject({
      source_branch: "envsync/promote/staging-to-production",
      target_branch: "main",
    });
    expect(mr.description).toContain("keeps as they are on `main`");
    expect(mr.description).toContain("`config/app.yml`");

    // What merging the merge request does: main keeps its settings and gets the features.
    repo.checkout("main");
    repo.git("merge", "-q", "--no-edit", "envsync/promote/staging-to-production");
    expect(repo.git("show", "HEAD:config/app.yml")).toBe("pool: 50");
    expect(repo.git("show", "HEAD:feature2.js")).toBe("g");
    repo.git("reset", "-q", "--hard", "HEAD~1");
    repo.checkout("staging");

    // A second run finds the branch as it should be, and touches neither it nor a second MR.
    const before = repo.git("rev-parse", "envsync/promote/staging-to-production");
    const second = await promote(WITH_SETTINGS, "staging", "production", "--confirm", "production");
    expect(second.report!.promotion_branch).toMatchObject({ action: "unchanged" });
    expect(second.report!.merge_request).toMatchObject({ iid: 1, action: "updated" });
    expect(repo.git("rev-parse", "envsync/promote/staging-to-production")).toBe(before);
    expect(standin.state.mergeRequests).toHaveLength(1);

    // A new staging head rebuilds the branch on top of it.
    repo.commit("Third feature", { "third.js": "t\n" });
    greenAndDeployed({ minutesAgo: 60 });
    const third = await promote(WITH_SETTINGS, "staging", "production", "--confirm", "production");
    expect(third.report!.promotion_branch).toMatchObject({ action: "updated" });
    expect(repo.git("rev-parse", "envsync/promote/staging-to-production~1")).toBe(
      repo.git("rev-parse", "staging"),
    );
  });

  it("merges the source branch itself when no expected difference is in the way", async () => {
    greenAndDeployed();
    const { report } = await promote(
      WITH_SETTINGS,
      "staging",
      "production",
      "--confirm",
      "production",
    );
    expect(report!.promotion_branch).toBeNull();
    expect(standin.state.mergeRequests[0]).toMatchObject({ source_branch: "staging" });
  });
});

describe("envsync promote: what a rollback undid stays out", () => {
  /** A rollback of production that undid `sha`, its merge request in `state`. */
  function rolledBack(sha: string, state = "merged") {
    const deployed = repo.git("rev-parse", "staging");
    standin.state.mergeRequests.push({
      projectId,
      id: standin.state.id(),
      iid: 7,
      source_branch: "envsync/rollback/production-0123abcd",
      target_branch: "main",
      title: "Roll back production",
      description:
        "Opened by envsync rollback.\n" +
        recordLine({
          version: 1,
          environment: "production",
          target: repo.git("rev-parse", "main"),
          deployed,
          undone: [{ sha, picked_from: [] }],
        }),
      labels: ["envsync", "envsync-rollback"],
      state,
    });
  }

  it("blocks promoting a commit a rollback undid (exit 3), and opens nothing", async () => {
    const bad = repo.git("rev-parse", "staging");
    rolledBack(bad);
    greenAndDeployed();
    const { code, report } = await promote(
      YAML,
      "staging",
      "production",
      "--confirm",
      "production",
    );
    expect(code).toBe(3);
    expect(report!.gates.find((g) => g.name === "rolled_back")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`${bad.slice(0, 10)} (rollback of production, !7)`),
    });
    expect(standin.state.mergeRequests).toHaveLength(1);
  });

  it.each([
    ["a later revert", (bad: string) => `Revert "Staging feature"\n\nThis reverts commit ${bad}.`],
    [
      "a later fix naming it",
      (bad: string) => `Fix the feature\n\nEnvsync-Fixes: ${bad.slice(0, 12)}`,
    ],
  ])("lets it through after %s on the source", async (_name, message) => {
    const bad = repo.git("rev-parse", "staging");
    rolledBack(bad);
    repo.commit(message(bad), { "feature.js": "fixed\n" });
    greenAndDeployed();
    const { code, report } = await promote(YAML, "staging", "production", "--dry-run");
    expect(statusOf(report, "rolled_back")).toBe("pass");
    expect(code).toBe(0);
  });

  it("ignores a rollback that was closed without merging", async () => {
    rolledBack(repo.git("rev-parse", "staging"), "closed");
    greenAndDeployed();
    const { report } = await promote(YAML, "staging", "production", "--dry-run");
    expect(statusOf(report, "rolled_back")).toBe("pass");
  });
});
