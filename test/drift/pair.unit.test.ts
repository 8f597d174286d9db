import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { computePairDrift, needsAttention, type PairInput } from "../../src/drift/pair.js";
import type { CommitInfo } from "../../src/git/equivalence.js";

const config = parseConfig(
  `version: 1
environments:
  staging: { branch: staging }
  production: { branch: main }
drift:
  expected: [{ paths: [config/*.yml], reason: per environment }]
  ignore: [docs/**]
`,
  "envsync.yaml",
);
const commit = (sha: string, subject: string, over: Partial<CommitInfo> = {}): CommitInfo => ({
  sha: sha.repeat(40).slice(0, 40),
  author: "Ada",
  email: "ada@example.com",
  date: `2026-01-0${sha.length}T10:00:00+00:00`,
  subject,
  pickedFrom: [],
  patchId: `patch-${sha}`,
  ...over,
});
const input = (over: Partial<PairInput>): PairInput => ({
  from: "staging",
  to: "production",
  fromBranch: "staging",
  toBranch: "main",
  fromSha: "1".repeat(40),
  toSha: "2".repeat(40),
  upstream: [],
  downstream: [],
  files: [],
  pathsOf: () => new Set(),
  touchedBy: () => undefined,
  ...over,
});

describe("computePairDrift", () => {
  it("reports two identical branches as nothing to do", () => {
    const drift = computePairDrift(input({}), config);
    expect(drift.counts).toEqual({
      pending: 0,
      applied: 0,
      missing_upstream: 0,
      environment_local: 0,
      unexpected_files: 0,
      drifted_files: 0,
      expected_files: 0,
    });
    expect(needsAttention(drift)).toBe(false);
  });

  it("names the pair with its branches and heads", () => {
    const drift = computePairDrift(input({}), config);
    expect(drift).toMatchObject({
      from: "staging",
      to: "production",
      from_branch: "staging",
      to_branch: "main",
      from_sha: "1".repeat(40),
      to_sha: "2".repeat(40),
    });
  });

  it("counts a file only a pending commit changes as unexpected but not drifted", () => {
    // The feature waits upstream: promoting it explains the difference.
    const feature = commit("a", "Add checkout");
    const drift = computePairDrift(
      input({
        upstream: [feature],
        files: [{ status: "M", path: "src/checkout.ts" }],
        pathsOf: (commits) =>
          new Set(commits.some((c) => c.sha === feature.sha) ? ["src/checkout.ts"] : []),
      }),
      config,
    );
    expect(drift.pending).toEqual([
      { sha: feature.sha, subject: "Add checkout", author: "Ada", date: feature.date },
    ]);
    expect(drift.files.unexpected).toEqual([
      { path: "src/checkout.ts", status: "M", pending: true },
    ]);
    expect(drift.counts).toMatchObject({ pending: 1, unexpected_files: 1, drifted_files: 0 });
    expect(needsAttention(drift)).toBe(false);
  });

  it("needs attention for a difference no pending commit explains", () => {
    const drift = computePairDrift(
      input({
        files: [
          { status: "M", path: "src/app.ts" },
          { status: "M", path: "config/production.yml" },
          { status: "A", path: "docs/notes.md" },
        ],
      }),
      config,
    );
    expect(drift.files.expected).toEqual([
      {
        path: "config/production.yml",
        status: "M",
        rule: "drift.expected[0]",
        reason: "per environment",
      },
    ]);
    expect(drift.counts).toMatchObject({
      unexpected_files: 1,
      drifted_files: 1,
      expected_files: 1,
    });
    expect(needsAttention(drift)).toBe(true);
  });

  it("needs attention for a hotfix that never went upstream", () => {
    const hotfix = commit("bb", "Hotfix: null check");
    const drift = computePairDrift(input({ downstream: [hotfix] }), config);
    expect(drift.missing_upstream.map((c) => c.subject)).toEqual(["Hotfix: null check"]);
    expect(needsAttention(drift)).toBe(true);
  });

  it("counts a cherry-picked commit as applied, not pending, and asks no paths for it", () => {
    const upstream = commit("c", "Fix rounding");
    const picked = commit("d", "Fix rounding", { patchId: upstream.patchId });
    let asked = false;
    const drift = computePairDrift(
      input({
        upstream: [upstream],
        downstream: [picked],
        pathsOf: () => {
          asked = true;
          return new Set();
        },
      }),
      config,
    );
    expect(drift.applied).toEqual([
      { sha: upstream.sha, to_sha: picked.sha, evidence: "patch-id" },
    ]);
    expect(drift.counts).toMatchObject({ pending: 0, applied: 1, missing_upstream: 0 });
    // Reading paths costs a git or API call; with nothing pending there is nothing to read.
    expect(asked).toBe(false);
  });

  describe("commits confined to expected differences", () => {
    const settings = commit("e", "Raise staging's pool size");
    const hotfixConfig = commit("f", "Production: rotate the cache host");
    const mixed = commit("g", "Feature with its config");
    const docsAndConfig = commit("h", "Config and its notes");
    const touched: Record<string, string[]> = {
      [settings.sha]: ["config/app.yml"],
      [hotfixConfig.sha]: ["config/app.yml"],
      [mixed.sha]: ["config/app.yml", "src/feature.ts"],
      [docsAndConfig.sha]: ["config/app.yml", "docs/pool.md"],
    };
    const touchedBy = (sha: string) => touched[sha];

    it("are environment-local: neither pending nor missing upstream, listed on their own", () => {
      const drift = computePairDrift(
        input({
          upstream: [settings, mixed, docsAndConfig],
          downstream: [hotfixConfig],
          touchedBy,
        }),
        config,
      );
      expect(drift.pending.map((c) => c.subject)).toEqual(["Feature with its config"]);
      expect(drift.missing_upstream).toEqual([]);
      expect(drift.environment_local.upstream.map((c) => c.subject).sort()).toEqual([
        "Config and its notes",
        "Raise staging's pool size",
      ]);
      expect(drift.environment_local.downstream.map((c) => c.subject)).toEqual([
        "Production: rotate the cache host",
      ]);
      expect(drift.counts).toMatchObject({ pending: 1, missing_upstream: 0, environment_local: 3 });
      expect(needsAttention(drift)).toBe(false);
    });

    it("stay pending or missing upstream where their paths were not read", () => {
      const drift = computePairDrift(
        input({ upstream: [settings], downstream: [hotfixConfig], touchedBy: () => undefined }),
        config,
      );
      expect(drift.counts).toMatchObject({ pending: 1, missing_upstream: 1, environment_local: 0 });
    });

    it("count only for pairs the rule covers", () => {
      const narrow = parseConfig(
        `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main }
drift:
  expected: [{ paths: [config/*.yml], between: [dev, staging], reason: dev and staging only }]
`,
        "envsync.yaml",
      );
      const drift = computePairDrift(input({ upstream: [settings], touchedBy }), narrow);
      expect(drift.counts).toMatchObject({ pending: 1, environment_local: 0 });
    });
  });
});
