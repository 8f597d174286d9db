import { describe, expect, it } from "vitest";
import { formatFleet, formatReport } from "../../src/drift/format.js";
import type { PairDrift } from "../../src/drift/pair.js";
import { pairDrift } from "../helpers/drift.js";

const commit = (c: string, subject: string) => ({
  sha: c.repeat(40),
  subject,
  author: "Ada",
  date: "2026-03-01T10:00:00+01:00",
});
const PAIR: PairDrift = {
  from: "staging",
  to: "production",
  from_branch: "staging",
  to_branch: "main",
  from_sha: "1".repeat(40),
  to_sha: "2".repeat(40),
  pending: [commit("a", "Add checkout")],
  applied: [],
  missing_upstream: [commit("b", "Hotfix")],
  environment_local: { upstream: [], downstream: [] },
  files: {
    unexpected: [
      { path: "src/checkout.ts", status: "M", pending: true },
      { path: "src/new.ts", status: "R", old_path: "src/old.ts", pending: false },
    ],
    expected: [
      { path: "config/production.yml", status: "M", rule: "drift.expected[0]", reason: "per env" },
    ],
  },
  counts: {
    pending: 1,
    applied: 0,
    missing_upstream: 1,
    environment_local: 0,
    unexpected_files: 2,
    drifted_files: 1,
    expected_files: 1,
  },
};
const IN_STEP = pairDrift({
  from: "dev",
  to: "staging",
  from_branch: "develop",
  to_branch: "staging",
});

describe("formatReport", () => {
  it("prints a pair's counts and every section, flagging the pair for attention", () => {
    expect(formatReport({ mode: "local", pairs: [PAIR] })).toBe(
      [
        "staging → production  (staging → main)  ← needs attention",
        "  pending 1 · applied 0 · missing upstream 1 · unexpected files 2 (1 not explained by " +
          "pending commits) · expected 1",
        "  missing upstream (hotfixes never brought back):",
        "    bbbbbbbbbb  Hotfix  (Ada, 2026-03-01)",
        "  unexpected files:",
        "    M  src/checkout.ts  (pending promotion)",
        "    R  src/old.ts → src/new.ts",
        "  pending promotion:",
        "    aaaaaaaaaa  Add checkout  (Ada, 2026-03-01)",
        "  expected differences:",
        "    config/production.yml  (per env)",
        "",
      ].join("\n"),
    );
  });

  it("points at drift.expected when hotfixes show and nothing is expected to differ", () => {
    const bare = {
      ...PAIR,
      files: { ...PAIR.files, expected: [] },
      counts: { ...PAIR.counts, expected_files: 0 },
    };
    const hint = "list those files under drift.expected in envsync.yaml";
    expect(formatReport({ mode: "local", pairs: [bare] })).toContain(hint);
    expect(formatReport({ mode: "local", pairs: [PAIR] })).not.toContain(hint);
    const noHotfix = {
      ...bare,
      missing_upstream: [],
      counts: { ...bare.counts, missing_upstream: 0 },
    };
    expect(formatReport({ mode: "local", pairs: [noHotfix] })).not.toContain(hint);
  });

  it("prints an in-step pair as its counts alone", () => {
    expect(formatReport({ mode: "local", pairs: [IN_STEP] })).toBe(
      "dev → staging  (develop → staging)\n" +
        "  pending 0 · applied 0 · missing upstream 0 · unexpected files 0 (0 not explained by " +
        "pending commits) · expected 0\n",
    );
  });

  it("cuts a long section and points at --json for the rest", () => {
    const many = Array.from({ length: 18 }, (_, i) => commit("c", `change ${i}`));
    const text = formatReport({ mode: "local", pairs: [{ ...IN_STEP, pending: many }] });
    expect(text).toContain("change 14");
    expect(text).not.toContain("change 15");
    expect(text).toContain("    … and 3 more (--json lists all)");
  });
});

describe("formatFleet", () => {
  it("heads each project and prints a failed one's error instead of pairs", () => {
    const text = formatFleet([
      { project: "acme/a", pairs: [IN_STEP] },
      { project: "acme/b", error: "404 Project Not Found" },
    ]);
    expect(text).toMatch(/^== acme\/a\ndev → staging {2}\(develop → staging\)\n/);
    expect(text).toContain("== acme/b\n  failed: 404 Project Not Found\n\n");
  });
});
