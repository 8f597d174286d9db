import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { envsync, tempDir } from "../helpers/cli.js";
import { CONFIG_3ENV, TestRepo } from "../helpers/repo.js";
import type { DriftReport } from "../../src/drift/drift.js";

let repo: TestRepo;
let config: string;

async function drift(
  ...args: string[]
): Promise<{ code: number; report: DriftReport; err: string }> {
  const result = await envsync("drift", "-c", config, "-C", repo.dir, "--json", ...args);
  return {
    code: result.code,
    report: JSON.parse(result.out || "null") as DriftReport,
    err: result.err,
  };
}

function pair(report: DriftReport, from: string) {
  return report.pairs.find((p) => p.from === from)!;
}

/** develop → staging → main, all starting from one base commit. */
function threeBranches(): void {
  repo.commit("base", {
    "app.js": "line 1\nline 2\nline 3\n",
    "config/settings.staging.yml": "x: 1\n",
    "config/settings.production.yml": "x: 1\n",
    "README.md": "hi\n",
  });
  repo.git("branch", "staging");
  repo.git("branch", "main");
}

beforeEach(() => {
  repo = new TestRepo();
  // Outside the repository (its status stays clean), in a temp folder removed after the test.
  config = join(tempDir("envsync-config-"), "envsync.yaml");
  writeFileSync(config, CONFIG_3ENV);
});

describe("envsync drift on real repositories", () => {
  it("reports a clean pick as applied by patch-id, whether or not it kept its trailer", async () => {
    threeBranches();
    const a = repo.commit("Add feature A", { "a.js": "a\n" });
    const b = repo.commit("Add feature B", { "b.js": "b\n" });
    repo.checkout("staging");
    const a2 = repo.pick(a);
    const b2 = repo.pick(b, { trailer: false });
    const { report } = await drift("--from", "dev", "--to", "staging");
    expect(pair(report, "dev").applied).toEqual([
      { sha: a, to_sha: a2, evidence: "patch-id" },
      { sha: b, to_sha: b2, evidence: "patch-id" },
    ]);
    expect(pair(report, "dev").pending).toEqual([]);
    expect(pair(report, "dev").missing_upstream).toEqual([]);
  });

  it("reports a conflict-resolved pick with its trailer as applied (trailer), not pending nor a hotfix", async () => {
    threeBranches();
    const fix = repo.commit("Fix rounding", { "app.js": "line 1\nline 2 fixed\nline 3\n" });
    repo.checkout("staging");
    repo.commit("Staging tweak", { "app.js": "line 1\nline 2 staging\nline 3\n" });
    const resolved = repo.pickWithConflict(
      fix,
      { "app.js": "line 1\nline 2 fixed + staging\nline 3\n" },
      { trailer: true },
    );
    const { report } = await drift("--from", "dev", "--to", "staging");
    const p = pair(report, "dev");
    expect(p.applied).toEqual([{ sha: fix, to_sha: resolved, evidence: "trailer" }]);
    expect(p.pending).toEqual([]);
    expect(p.missing_upstream.map((c) => c.subject)).toEqual(["Staging tweak"]);
  });

  it("reports a conflict-resolved pick without trailer as applied (fingerprint)", async () => {
    threeBranches();
    const fix = repo.commit("Fix rounding", { "app.js": "line 1\nline 2 fixed\nline 3\n" });
    repo.checkout("staging");
    repo.commit("Staging tweak", { "app.js": "line 1\nline 2 staging\nline 3\n" });
    const resolved = repo.pickWithConflict(
      fix,
      { "app.js": "line 1\nline 2 fixed + staging\nline 3\n" },
      { trailer: false },
    );
    // git cherry, the usual tool, gets this wrong both ways.
    expect(repo.git("cherry", "develop", "staging").split("\n")).toContain(`+ ${resolved}`);
    expect(repo.git("cherry", "staging", "develop").split("\n")).toContain(`+ ${fix}`);

    const { report } = await drift("--from", "dev", "--to", "staging");
    const p = pair(report, "dev");
    expect(p.applied).toEqual([{ sha: fix, to_sha: resolved, evidence: "fingerprint" }]);
    expect(p.missing_upstream.map((c) => c.sha)).not.toContain(resolved);
  });

  it("reports a hotfix made on production as missing upstream until it is brought back", async () => {
    threeBranches();
    repo.checkout("main");
    const hotfix = repo.commit(
      "Hotfix: null check",
      { "app.js": "line 1\nline 2 checked\nline 3\n" },
      { name: "Ops", email: "ops@example.com" },
    );
    let { code, report } = await drift("--from", "staging", "--to", "production");
    expect(pair(report, "staging").missing_upstream).toEqual([
      {
        sha: hotfix,
        subject: "Hotfix: null check",
        author: "Ops",
        date: expect.stringMatching(/^2026-10-01T/),
      },
    ]);
    expect(code).toBe(3);

    repo.checkout("staging");
    repo.pick(hotfix);
    ({ code, report } = await drift("--from", "staging", "--to", "production"));
    expect(pair(report, "staging").missing_upstream).toEqual([]);
    expect(pair(report, "staging").pending).toEqual([]);
    expect(code).toBe(0);
  });

  it("treats a hotfix brought back with a changed patch and no trailer as brought back", async () => {
    threeBranches();
    repo.checkout("main");
    const hotfix = repo.commit("Hotfix: timeout", {
      "app.js": "line 1\nline 2 timeout=5\nline 3\n",
    });
    repo.checkout("staging");
    repo.commit("Staging change", { "app.js": "line 1\nline 2 staging\nline 3\n" });
    repo.pickWithConflict(
      hotfix,
      { "app.js": "line 1\nline 2 staging timeout=5\nline 3\n" },
      { trailer: false },
    );
    const { report } = await drift("--from", "staging", "--to", "production");
    expect(pair(report, "staging").missing_upstream).toEqual([]);
  });

  it("keeps pending commits, and marks the files they touch as pending promotion (exit 0)", async () => {
    threeBranches();
    const feature = repo.commit("Add search", { "search.js": "s\n" });
    const { code, report } = await drift("--from", "dev", "--to", "staging");
    const p = pair(report, "dev");
    expect(p.pending.map((c) => c.sha)).toEqual([feature]);
    expect(p.files.unexpected).toEqual([{ path: "search.js", status: "A", pending: true }]);
    expect(p.counts).toMatchObject({ pending: 1, unexpected_files: 1, drifted_files: 0 });
    expect(code).toBe(0);
  });

  it("sees through merges: commits merged downstream are no longer pending, merge commits are not commits to promote", async () => {
    threeBranches();
    repo.commit("One", { "one.js": "1\n" });
    repo.commit("Two", { "two.js": "2\n" });
    repo.checkout("staging");
    repo.git("merge", "-q", "--no-ff", "-m", "Promote dev to staging", "develop");
    repo.checkout("develop");
    const three = repo.commit("Three", { "three.js": "3\n" });
    const { report } = await drift("--from", "dev", "--to", "staging");
    const p = pair(report, "dev");
    expect(p.pending.map((c) => c.sha)).toEqual([three]);
    expect(p.missing_upstream).toEqual([]);
    expect(p.applied).toEqual([]);
  });

  it("reports a revert made only downstream as missing upstream", async () => {
    threeBranches();
    const feature = repo.commit("Feature", { "f.js": "f\n" });
    repo.checkout("staging");
    repo.pick(feature);
    repo.git("revert", "--no-edit", "HEAD");
    const { report } = await drift("--from", "dev", "--to", "staging");
    const p = pair(report, "dev");
    expect(p.applied.map((a) => a.sha)).toEqual([feature]);
    expect(p.missing_upstream.map((c) => c.subject)).toEqual(['Revert "Feature"']);
  });

  it("splits differing files into expected (with the rule's reason) and unexpected, follows renames, drops ignored paths", async () => {
    threeBranches();
    repo.checkout("staging");
    repo.commit("Staging settings", {
      "config/settings.staging.yml": "x: 2\n",
      "README.md": "staging notes\n",
    });
    repo.commit("Move app.js", { "app.js": null, "src/app.js": "line 1\nline 2\nline 3\n" });
    const { code, report } = await drift("--from", "staging", "--to", "production");
    const p = pair(report, "staging");
    expect(p.files.expected).toEqual([
      {
        path: "config/settings.staging.yml",
        status: "M",
        rule: "drift.expected[0]",
        reason: "per-environment settings",
      },
    ]);
    expect(p.files.unexpected).toEqual([
      { path: "src/app.js", status: "R", old_path: "app.js", pending: true },
    ]);
    expect(p.files.unexpected.map((f) => f.path)).not.toContain("README.md");
    expect(code).toBe(0);
  });

  it("applies an expected rule only to the pairs it names", async () => {
    threeBranches();
    repo.commit("Dev settings", { "config/settings.staging.yml": "x: 9\n" });
    repo.checkout("staging");
    repo.commit("Unrelated", { "u.js": "u\n" });
    const { report } = await drift("--from", "dev", "--to", "staging");
    expect(pair(report, "dev").files.expected).toEqual([]);
    expect(pair(report, "dev").files.unexpected.map((f) => f.path)).toContain(
      "config/settings.staging.yml",
    );
  });

  it("checks every adjacent pair of the chain by default and falls back to origin/<branch>", async () => {
    threeBranches();
    const origin = repo.dir;
    const clone = new TestRepo();
    clone.git("remote", "add", "origin", origin);
    clone.git("fetch", "-q", "origin");
    repo = clone;
    const { code, report } = await drift();
    expect(report.pairs.map((p) => `${p.from}>${p.to}`)).toEqual([
      "dev>staging",
      "staging>production",
    ]);
    expect(report.mode).toBe("local");
    expect(code).toBe(0);
  });

  it("prints a compact table with the counts first", async () => {
    threeBranches();
    repo.checkout("main");
    repo.commit("Hotfix", { "hot.js": "h\n" });
    const result = await envsync("drift", "-c", config, "-C", repo.dir);
    expect(result.code).toBe(3);
    const lines = result.out.split("\n");
    expect(lines[0]).toBe("dev → staging  (develop → staging)");
    expect(lines[1]).toMatch(
      /^ {2}pending 0 · applied 0 · missing upstream 0 · unexpected files 0/,
    );
    expect(result.out).toContain("staging → production  (staging → main)  ← needs attention");
    expect(result.out).toMatch(
      /missing upstream \(hotfixes never brought back\):\n {4}[0-9a-f]{10} {2}Hotfix {2}\(Dev One, 2026-10-01\)/,
    );
  });
});

describe("envsync drift: bad input", () => {
  it.each([
    [["--from", "dev"], "--from and --to go together"],
    [["--from", "dev", "--to", "prod"], "'prod' is not an environment in the config"],
    [["--local", "--api"], "option '--local' cannot be used with option '--api'"],
  ])("rejects %j as a usage error (exit 2)", async (args, message) => {
    repo.commit("base");
    const result = await envsync("drift", "-c", config, "-C", repo.dir, ...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });
});

describe("envsync drift --json: the contract other tools parse", () => {
  it("has the documented keys on every pair and list entry", async () => {
    threeBranches();
    const a = repo.commit("Pending", { "p.js": "p\n" });
    repo.checkout("staging");
    repo.commit("Hotfix", { "h.js": "h\n" });
    repo.pick(a);
    repo.commit("Settings", { "config/settings.staging.yml": "x: 3\n" });
    const { report } = await drift();
    const p = pair(report, "dev");
    expect(Object.keys(p)).toEqual(
      expect.arrayContaining([
        "from",
        "to",
        "from_branch",
        "to_branch",
        "pending",
        "applied",
        "missing_upstream",
        "files",
      ]),
    );
    expect(Object.keys(p.applied[0]!)).toEqual(["sha", "to_sha", "evidence"]);
    expect(Object.keys(p.missing_upstream[0]!)).toEqual(["sha", "subject", "author", "date"]);
    expect(Object.keys(p.files)).toEqual(["unexpected", "expected"]);
    expect(Object.keys(p.files.unexpected[0]!)).toEqual(expect.arrayContaining(["path", "status"]));
    const s = pair(report, "staging");
    expect(Object.keys(s.files.expected[0]!)).toEqual(["path", "status", "rule", "reason"]);
    expect(Object.keys(p.environment_local)).toEqual(["upstream", "downstream"]);
  });
});
