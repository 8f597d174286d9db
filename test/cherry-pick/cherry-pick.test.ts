import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CherryPickReport } from "../../src/cherry-pick/cherry-pick.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main, protected: true }
conflicts:
  auto_resolve:
    - paths: ["package-lock.json"]
      strategy: regenerate
      command: "node -e \\"require('fs').writeFileSync('package-lock.json', 'regenerated from package.json\\\\n')\\""
    - paths: ["CHANGELOG.md"]
      strategy: union
    - paths: ["**/*.generated.ts"]
      strategy: theirs
    - paths: ["config/local.yml"]
      strategy: ours
  always_manual: ["db/migrate/**"]
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function pick(
  repo: TestRepo,
  shas: string[],
  args: { to?: string; mr?: boolean; dryRun?: boolean; confirm?: string; yaml?: string } = {},
  env: Record<string, string> = {},
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, args.yaml ?? YAML);
  const argv = ["cherry-pick", ...shas, "-c", config, "--to", args.to ?? "staging"];
  argv.push("-C", repo.dir, "--json");
  if (args.mr) argv.push("--mr");
  if (args.dryRun) argv.push("--dry-run");
  if (args.confirm) argv.push("--confirm", args.confirm);
  const { code, out, err } = await envsyncIn({ env: testEnv(env) }, ...argv);
  return {
    code,
    report: out
      ? (JSON.parse(out) as CherryPickReport & { merge_request?: { iid: number; web_url: string } })
      : undefined,
    err,
  };
}

function base(): TestRepo {
  const repo = new TestRepo();
  repo.commit("base", {
    "app.js": "1\n2\n3\n",
    "CHANGELOG.md": "# Changes\n",
    "package-lock.json": "lock v1\n",
    "src/api.generated.ts": "export const v = 1;\n",
    "config/local.yml": "local: base\n",
    "db/migrate/1_init.rb": "init\n",
  });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  return repo;
}

const branches = (repo: TestRepo) =>
  repo.git("branch", "--format=%(refname:short)").split("\n").sort();

describe("envsync cherry-pick", () => {
  it("picks in order with -x trailers onto a new branch, in a worktree that leaves the checkout alone", async () => {
    const repo = base();
    const a = repo.commit("Feature A", { "a.js": "a\n" });
    const b = repo.commit("Feature B", { "b.js": "b\n" });
    repo.write({ "scratch.txt": "uncommitted work\n" });
    const { code, report } = await pick(repo, [a, b]);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      status: "picked",
      branch: `envsync/cherry-pick/staging/${a.slice(0, 8)}`,
      skipped: [],
    });
    expect(report!.picked.map((p) => p.subject)).toEqual(["Feature A", "Feature B"]);
    const log = repo.git("log", "--format=%s%n%b", "-2", report!.branch!);
    expect(log).toContain(`(cherry picked from commit ${a})`);
    expect(log).toContain(`(cherry picked from commit ${b})`);
    expect(repo.git("rev-parse", `${report!.branch!}~2`)).toBe(repo.git("rev-parse", "staging"));
    expect(repo.git("rev-parse", "--abbrev-ref", "HEAD")).toBe("develop");
    expect(readFileSync(join(repo.dir, "scratch.txt"), "utf8")).toBe("uncommitted work\n");
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
  });

  it("skips commits the target already has: merged, picked, or picked with a changed patch", async () => {
    const repo = base();
    const merged = repo.commit("Merged already", { "m.js": "m\n" });
    repo.checkout("staging");
    repo.git("merge", "-q", "--ff-only", merged);
    repo.checkout("develop");
    const picked = repo.commit("Picked already", { "p.js": "p\n" });
    const fix = repo.commit("Fix line 2", { "app.js": "1\n2 fixed\n3\n" });
    const fresh = repo.commit("Fresh", { "f.js": "f\n" });
    repo.checkout("staging");
    repo.pick(picked);
    repo.commit("Staging edit", { "app.js": "1\n2 staging\n3\n" });
    repo.pickWithConflict(fix, { "app.js": "1\n2 fixed staging\n3\n" }, { trailer: false });
    repo.checkout("develop");
    const { report } = await pick(repo, [merged, picked, fix, fresh]);
    expect(report!.skipped.map((s) => [s.subject, s.evidence])).toEqual([
      ["Merged already", "merged"],
      ["Picked already", "patch-id"],
      ["Fix line 2", "fingerprint"],
    ]);
    expect(report!.picked.map((p) => p.sha)).toEqual([fresh]);
  });

  it("resolves tier-1 conflicts by their rule: regenerate, union, theirs, ours", async () => {
    const repo = base();
    const change = repo.commit("Bump deps and regenerate", {
      "package-lock.json": "lock v2 (dev)\n",
      "CHANGELOG.md": "# Changes\n- dev feature\n",
      "src/api.generated.ts": "export const v = 2;\n",
      "config/local.yml": "local: dev\n",
    });
    repo.checkout("staging");
    repo.commit("Staging changes", {
      "package-lock.json": "lock v1 (staging)\n",
      "CHANGELOG.md": "# Changes\n- staging fix\n",
      "src/api.generated.ts": "export const v = 1.5;\n",
      "config/local.yml": "local: staging\n",
    });
    repo.checkout("develop");
    const { code, report } = await pick(repo, [change]);
    expect(code).toBe(0);
    expect(report!.picked[0]!.tier1.map((t) => [t.path, t.strategy]).sort()).toEqual([
      ["CHANGELOG.md", "union"],
      ["config/local.yml", "ours"],
      ["package-lock.json", "regenerate"],
      ["src/api.generated.ts", "theirs"],
    ]);
    const show = (path: string) => repo.git("show", `${report!.branch!}:${path}`);
    expect(show("package-lock.json")).toBe("regenerated from package.json");
    expect(show("CHANGELOG.md")).toBe("# Changes\n- staging fix\n- dev feature");
    expect(show("src/api.generated.ts")).toBe("export const v = 2;");
    expect(show("config/local.yml")).toBe("local: staging");
  });

  it("stops on files that need judgement, reports each with its hunks and tier, and leaves nothing behind (exit 3)", async () => {
    const repo = base();
    const first = repo.commit("Clean one", { "c.js": "c\n" });
    const change = repo.commit("Touch app, migration and changelog", {
      "app.js": "1\n2 dev\n3\n",
      "db/migrate/1_init.rb": "init dev\n",
      "CHANGELOG.md": "# Changes\n- dev\n",
    });
    repo.checkout("staging");
    repo.commit("Staging", {
      "app.js": "1\n2 staging\n3\n",
      "db/migrate/1_init.rb": "init staging\n",
      "CHANGELOG.md": "# Changes\n- staging\n",
    });
    repo.checkout("develop");
    const before = branches(repo);
    const { code, report } = await pick(repo, [first, change]);
    expect(code).toBe(3);
    expect(report!.status).toBe("conflict");
    expect(report!.picked.map((p) => p.subject)).toEqual(["Clean one"]);
    const files = Object.fromEntries(report!.conflict!.files.map((f) => [f.path, f]));
    expect(files["app.js"]).toMatchObject({
      tier: 2,
      hunks: [{ ours: "2 staging\n", theirs: "2 dev\n" }],
    });
    expect(files["db/migrate/1_init.rb"]).toMatchObject({
      tier: 3,
      reason: expect.stringContaining("always_manual"),
    });
    expect(files["CHANGELOG.md"]).toMatchObject({ tier: 1 });
    expect(branches(repo)).toEqual(before);
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
    expect(repo.git("status", "--porcelain")).toBe("");
  });

  it("writes nothing into a protected environment without --confirm naming it", async () => {
    const repo = base();
    const a = repo.commit("Feature", { "a.js": "a\n" });
    const before = branches(repo);
    const refused = await pick(repo, [a], { to: "production" });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("production is protected: nothing was written");
    expect(refused.err).toContain("hint: add --confirm production");
    expect(branches(repo)).toEqual(before);
    expect((await pick(repo, [a], { to: "production", confirm: "staging" })).code).toBe(2);
    const confirmed = await pick(repo, [a], { to: "production", confirm: "production" });
    expect(confirmed.report!.branch).toBe(`envsync/cherry-pick/production/${a.slice(0, 8)}`);
  });

  it("--dry-run reports the picks and creates no branch", async () => {
    const repo = base();
    const a = repo.commit("Feature", { "a.js": "a\n" });
    const before = branches(repo);
    const { report } = await pick(repo, [a], { dryRun: true });
    expect(report).toMatchObject({ status: "picked", dry_run: true });
    expect(report!.branch).toBeUndefined();
    expect(branches(repo)).toEqual(before);
  });

  it("reports nothing to pick when every commit is already there", async () => {
    const repo = base();
    const a = repo.commit("Feature", { "a.js": "a\n" });
    repo.checkout("staging");
    repo.pick(a);
    const { code, report } = await pick(repo, [a]);
    expect(code).toBe(0);
    expect(report!.status).toBe("nothing to pick");
  });

  it("--mr pushes the branch and opens a merge request listing the picks; a second run finds it and changes nothing", async () => {
    const repo = base();
    const origin = join(tempDir(), "origin.git");
    execFileSync("git", ["init", "-q", "--bare", origin]);
    repo.git("remote", "add", "origin", origin);
    const a = repo.commit("Feature", { "a.js": "a\n" });
    standin = await new GitLabStandin().start();
    standin.state.addProject("acme/shop");
    const env = { GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url };
    const { code, report } = await pick(repo, [a], { mr: true }, env);
    expect(code).toBe(0);
    expect(report!.merge_request).toMatchObject({
      action: "created",
      iid: 1,
      web_url: `${standin.url}/acme/shop/-/merge_requests/1`,
      draft: false,
    });
    const mr = standin.state.mergeRequests[0]!;
    expect(mr).toMatchObject({
      source_branch: report!.branch,
      target_branch: "staging",
      title: "Cherry-pick 1 commit to staging",
      labels: ["envsync", "promotion"],
    });
    expect(mr.description).toContain(`- \`${a.slice(0, 10)}\` \`Feature`);
    expect(mr.description).toContain("### Checks");
    expect(
      execFileSync("git", ["branch", "--list", report!.branch!], { cwd: origin, encoding: "utf8" }),
    ).toContain(report!.branch!);
    const again = await pick(repo, [a], { mr: true }, env);
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({
      status: "branch exists",
      merge_request: { action: "exists", iid: 1 },
    });
    expect(standin.state.mergeRequests).toHaveLength(1);
  });
});

describe("envsync cherry-pick: prerequisites of a conflicting pick", () => {
  it("names the earlier commits that touched the conflicting lines, oldest first, with the command", async () => {
    const repo = base();
    const first = repo.commit("Rework line two", { "app.js": "1\n2 reworked\n3\n" });
    repo.commit("Unrelated", { "other.js": "o\n" });
    const second = repo.commit("Polish line two", { "app.js": "1\n2 reworked and polished\n3\n" });
    const picked = repo.commit("Tune line two", {
      "app.js": "1\n2 reworked, polished, tuned\n3\n",
    });
    const { code, report } = await pick(repo, [picked]);
    expect(code).toBe(3);
    expect(report!.conflict!.prerequisites).toEqual([{ sha: second, subject: "Polish line two" }]);
    expect(report!.conflict!.with_prerequisites).toBe(
      `envsync cherry-pick ${second.slice(0, 12)} ${picked.slice(0, 12)} --to staging`,
    );
    expect(first).not.toBe(second);
  });

  it("names none when the conflict is with the target's own change", async () => {
    const repo = base();
    const picked = repo.commit("Change line two", { "app.js": "1\n2 dev\n3\n" });
    repo.checkout("staging");
    repo.commit("Staging's own line two", { "app.js": "1\n2 staging\n3\n" });
    repo.checkout("develop");
    const { code, report } = await pick(repo, [picked]);
    expect(code).toBe(3);
    expect(report!.conflict!.prerequisites).toEqual([]);
    expect(report!.conflict).not.toHaveProperty("with_prerequisites");
  });

  it("skips a prerequisite the target already has as a pick with another patch", async () => {
    const repo = base();
    const first = repo.commit("Rework line two", { "app.js": "1\n2 reworked\n3\n" });
    const picked = repo.commit("Tune line two", { "app.js": "1\n2 reworked and tuned\n3\n" });
    repo.checkout("staging");
    repo.commit("Staging edit", { "app.js": "1\n2 staging\n3\n" });
    repo.pickWithConflict(first, { "app.js": "1\n2 reworked (staging)\n3\n" }, { trailer: false });
    repo.checkout("develop");
    const { code, report } = await pick(repo, [picked]);
    expect(code).toBe(3);
    expect(report!.conflict!.prerequisites).toEqual([]);
  });

  describe("the target's expected differences", () => {
    const KEEPING = `${YAML}drift:
  expected:
    - paths: ["config/*.yml"]
      between: [staging, production]
      reason: each environment's own settings
`;
    function withSettings(): TestRepo {
      const repo = base();
      repo.checkout("staging");
      repo.commit("Staging settings", { "config/app.yml": "pool: 5\n" });
      repo.checkout("main");
      repo.commit("Production settings", { "config/app.yml": "pool: 50\n" });
      repo.checkout("staging");
      return repo;
    }

    it("keeps them: a pick's change to one is given back, a pick of nothing else is skipped", async () => {
      const repo = withSettings();
      const settingsOnly = repo.commit("Tune staging", { "config/app.yml": "pool: 6\n" });
      const mixed = repo.commit("Feature with its setting", {
        "feature.js": "f\n",
        "config/flags.yml": "flag: on\n",
      });
      repo.checkout("main");
      const { code, report, err } = await pick(repo, [settingsOnly, mixed], {
        to: "production",
        confirm: "production",
        yaml: KEEPING,
      });
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(report!.skipped).toMatchObject([{ sha: settingsOnly, evidence: "environment-local" }]);
      expect(report!.picked).toMatchObject([{ sha: mixed, kept: ["config/flags.yml"] }]);
      const branch = report!.branch!;
      expect(repo.git("show", `${branch}:config/app.yml`)).toBe("pool: 50");
      expect(repo.git("ls-tree", "--name-only", branch, "config/")).not.toContain("flags.yml");
      expect(repo.git("show", `${branch}:feature.js`)).toBe("f");
      // The -x trailer survives the amend: drift still knows where the pick came from.
      expect(repo.git("log", "-1", "--format=%B", branch)).toContain(
        `(cherry picked from commit ${mixed})`,
      );
    });

    it("resolves a conflict in one for the target's side instead of stopping", async () => {
      const repo = withSettings();
      const conflicting = repo.commit("Feature and a staging setting", {
        "feature.js": "f\n",
        "config/app.yml": "pool: 7\n",
      });
      repo.checkout("main");
      const { code, report } = await pick(repo, [conflicting], {
        to: "production",
        confirm: "production",
        yaml: KEEPING,
      });
      expect(code).toBe(0);
      expect(report!.picked[0]!.tier1).toMatchObject([
        { path: "config/app.yml", strategy: "ours", rule: "drift.expected[0]" },
      ]);
      expect(repo.git("show", `${report!.branch!}:config/app.yml`)).toBe("pool: 50");
    });

    it("picks a change to the file where no rule names the target", async () => {
      const repo = withSettings();
      const settings = repo.git("rev-parse", "staging");
      repo.checkout("develop");
      const { report } = await pick(repo, [settings], { to: "dev", yaml: KEEPING });
      expect(report!.picked).toMatchObject([{ sha: settings }]);
      expect(report!.picked[0]!.kept).toBeUndefined();
    });
  });
});
