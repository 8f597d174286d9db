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
});
