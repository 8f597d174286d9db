import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FleetDriftReport } from "../../src/drift/drift.js";
import { envsyncIn, tempDir } from "../helpers/cli.js";
import { pairDrift } from "../helpers/drift.js";

const YAML = `version: 1
project: acme/ops
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

function pair(pending: number, missing: number) {
  return pairDrift({
    from_sha: "a".repeat(40),
    to_sha: "b".repeat(40),
    missing_upstream: Array.from({ length: missing }, (_, i) => ({
      sha: `${i}`.padStart(40, "c"),
      subject: "Hotfix",
      author: "Ops",
      date: "2026-11-01T00:00:00Z",
    })),
    counts: { pending, missing_upstream: missing },
  });
}

function shardReport(
  index: number,
  count: number,
  at: string,
  projects: string[],
): FleetDriftReport {
  return {
    mode: "api",
    shard: { index, count },
    generated_at: at,
    requests: 3,
    projects: projects.map((project, i) => ({ project, pairs: [pair(i + 1, i)] })),
  };
}

async function dashboard(reports: FleetDriftReport[]) {
  const dir = tempDir();
  mkdirSync(join(dir, "reports"));
  reports.forEach((r, i) =>
    writeFileSync(join(dir, "reports", `shard-${i + 1}.json`), JSON.stringify(r)),
  );
  writeFileSync(join(dir, "envsync.yaml"), YAML);
  const result = await envsyncIn(
    { now: () => new Date("2026-11-24T06:00:00Z") },
    ...["dashboard", "-c", join(dir, "envsync.yaml"), "--report", join(dir, "reports", "*.json")],
    "--dry-run",
    "--json",
  );
  return { ...result, report: JSON.parse(result.out) as { description: string } };
}

describe("envsync dashboard over shard reports", () => {
  it("merges every shard into one fleet table", async () => {
    const at = "2026-11-24T05:00:00Z";
    const { code, report } = await dashboard([
      shardReport(1, 2, at, ["acme/a", "acme/b"]),
      shardReport(2, 2, at, ["acme/e"]),
    ]);
    expect(code).toBe(0);
    expect(report.description).toContain("All 2 shards reported.");
    expect(report.description).toContain("| `acme/b` | 2 | **1** | 0 |");
    expect(report.description).toContain("| `acme/e` | 1 | 0 | 0 |");
  });

  it("says which shards are missing or stale instead of showing partial health as whole", async () => {
    const { report } = await dashboard([
      shardReport(1, 3, "2026-11-24T05:00:00Z", ["acme/e"]),
      shardReport(3, 3, "2026-11-21T05:00:00Z", ["acme/b"]),
    ]);
    expect(report.description).toContain(
      "**Incomplete:** shards of 3: missing: 2; stale (over a day older): 3.",
    );
  });

  it("says when no report matches", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), YAML);
    const result = await envsyncIn(
      {},
      ...["dashboard", "-c", join(dir, "envsync.yaml"), "--report", join(dir, "none", "*.json")],
      "--dry-run",
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain("no drift report matches");
  });

  describe("shard reports are checked before they are merged (#22)", () => {
    async function refused(reports: unknown[]) {
      const dir = tempDir();
      mkdirSync(join(dir, "reports"));
      reports.forEach((r, i) =>
        writeFileSync(
          join(dir, "reports", `shard-${i + 1}.json`),
          // Nesting deeper than JSON.stringify goes, written as text.
          JSON.stringify(r).replace('"DEEP"', "[".repeat(5000) + "]".repeat(5000)),
        ),
      );
      writeFileSync(join(dir, "envsync.yaml"), YAML);
      const result = await envsyncIn(
        {},
        ...[
          "dashboard",
          "-c",
          join(dir, "envsync.yaml"),
          "--report",
          join(dir, "reports", "*.json"),
        ],
        ...["--dry-run", "--json"],
      );
      expect(result.code).toBe(2);
      return JSON.parse(result.out) as { error: { code: string; message: string } };
    }
    const at = "2026-11-24T05:00:00Z";

    it("refuses a shard report with a generated_at that is not a date, naming the file", async () => {
      const hostile = { ...shardReport(2, 2, at, ["acme/e"]), generated_at: "9999\u001b[2J zzz" };
      const { error } = await refused([shardReport(1, 2, at, ["acme/a"]), hostile]);
      expect(error.code).toBe("not-a-drift-report");
      expect(error.message).toMatch(/shard-2\.json is not an envsync drift report at generated_at/);
      expect(error.message).not.toContain("zzz");
    });

    it("refuses a shard report that lists another shard's projects", async () => {
      const { error } = await refused([
        shardReport(1, 2, at, ["acme/a", "acme/e"]),
        shardReport(2, 2, at, ["acme/y"]),
      ]);
      expect(error.code).toBe("shard-reports-inconsistent");
      expect(error.message).toContain("shard-1.json is shard 1/2 but lists acme/e");
    });

    it("refuses a shard count or index that is not a whole number, and reports that disagree on the count", async () => {
      for (const shard of [
        { index: 1, count: "2" },
        { index: 1.5, count: 2 },
        { index: 3, count: 2 },
      ]) {
        const { error } = await refused([{ ...shardReport(1, 2, at, ["acme/a"]), shard }]);
        expect(error.code, JSON.stringify(shard)).toBe("not-a-drift-report");
        expect(error.message).toContain("at shard");
      }
      const { error } = await refused([
        shardReport(1, 2, at, ["acme/a"]),
        shardReport(1, 1, at, ["acme/e"]),
      ]);
      expect(error.code).toBe("shard-reports-inconsistent");
    });

    it("refuses wrong types and deep nesting in a project's pairs without quoting them", async () => {
      const deep = "DEEP";
      const report = shardReport(1, 1, at, ["acme/a"]);
      for (const pairs of [
        "all good",
        [{ ...report.projects[0]!.pairs![0]!, counts: deep }],
        [null],
      ]) {
        const { error } = await refused([{ ...report, projects: [{ project: "acme/a", pairs }] }]);
        expect(error.code).toBe("not-a-drift-report");
        expect(error.message).toMatch(
          /shard-1\.json is not an envsync drift report at projects\.0\.pairs/,
        );
        expect(error.message.length).toBeLessThan(400);
      }
    });
  });
});
