import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { driftLocal } from "../../src/drift/drift.js";
import { parseConfig } from "../../src/config/load.js";
// @ts-expect-error: a plain ESM module shared with the benchmarks
import { generateHistory } from "../../bench/fixtures/history.mjs";
import { tempDir, testEnv } from "../helpers/cli.js";

interface Truth {
  pairs: Record<
    string,
    { picks: { from: string; to: string; kind: string }[]; hotfixes: string[] }
  >;
}

const CONFIG = parseConfig(
  "version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n  production: { branch: main }\n",
  "envsync.yaml",
);

describe("equivalence on a history built like real projects", () => {
  it("finds at least 95% of applied picks with no false report either way, where git cherry misses the conflict-resolved ones", async () => {
    const dir = join(tempDir(), "repo");
    const truth = generateHistory(dir, {
      devCommits: 300,
      conflictRatio: 0.3,
      trailerDropRatio: 0.5,
      seed: 11,
    }) as Truth;
    const report = await driftLocal(
      CONFIG,
      { dir, env: testEnv(), fetch: false },
      CONFIG.promotion.pairs,
    );
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" });

    for (const [key, pair] of [
      ["develop>staging", report.pairs[0]!],
      ["staging>main", report.pairs[1]!],
    ] as const) {
      const expected = truth.pairs[key]!;
      const truePicks = new Map(expected.picks.map((p) => [p.from, p.to]));
      const found = pair.applied.filter((a) => truePicks.get(a.sha) === a.to_sha);
      const falseApplied = pair.applied.filter((a) => truePicks.get(a.sha) !== a.to_sha);
      const pickShas = new Set(expected.picks.map((p) => p.to));
      const falseHotfixes = pair.missing_upstream.filter((c) => pickShas.has(c.sha));

      expect(found.length / truePicks.size, key).toBeGreaterThanOrEqual(0.95);
      expect(falseApplied, key).toEqual([]);
      expect(falseHotfixes, key).toEqual([]);
      expect(new Set(pair.missing_upstream.map((c) => c.sha)), key).toEqual(
        new Set(expected.hotfixes),
      );

      // The hard case is present: conflict-resolved picks without a trailer, found by fingerprint.
      expect(pair.applied.filter((a) => a.evidence === "fingerprint").length, key).toBeGreaterThan(
        0,
      );
      const [upstream, downstream] = key.split(">") as [string, string];
      const cherryMissed = git("cherry", downstream, upstream)
        .split("\n")
        .filter((l) => l.startsWith("+ ") && truePicks.has(l.slice(2)));
      const cherryFalseHotfixes = git("cherry", upstream, downstream)
        .split("\n")
        .filter((l) => l.startsWith("+ ") && pickShas.has(l.slice(2)));
      expect(
        cherryMissed.length,
        `${key}: git cherry should miss conflict-resolved picks`,
      ).toBeGreaterThan(0);
      expect(
        cherryFalseHotfixes.length,
        `${key}: git cherry should call conflict-resolved picks hotfixes`,
      ).toBeGreaterThan(0);
    }
  });
});
