import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

/** What `envsync learn --json` reports, cut to what the dashboard reads. */
const LEARN = {
  target: 0.7,
  categories: [
    {
      category: "code",
      configured: true,
      proposals: 11,
      applied: 10,
      pending: 0,
      lower_bound: 0.6226,
      threshold: 0.8,
      recommended: { threshold: 0.9 },
    },
    {
      category: "other",
      configured: true,
      proposals: 2,
      applied: 2,
      pending: 1,
      lower_bound: 0.3424,
      threshold: 0.8,
      recommended: { threshold: 0.8 },
    },
  ],
};

async function dryRun(learn: unknown) {
  const r = new TestRepo();
  r.commit("base", { "a.txt": "a\n" });
  r.git("branch", "-M", "staging");
  r.git("branch", "main");
  const dir = tempDir();
  writeFileSync(join(dir, "envsync.yaml"), YAML);
  writeFileSync(join(dir, "learn.json"), JSON.stringify(learn));
  return envsyncIn(
    { env: testEnv(), now: () => new Date("2026-11-24T06:00:00Z") },
    "dashboard",
    "-c",
    join(dir, "envsync.yaml"),
    "-C",
    r.dir,
    "--no-fetch",
    "--learn-report",
    join(dir, "learn.json"),
    "--dry-run",
    "--json",
  );
}

describe("envsync dashboard --learn-report", () => {
  it("shows the tier-2 record per category before the hidden state line", async () => {
    const { code, out } = await dryRun(LEARN);
    expect(code).toBe(0);
    const description = (JSON.parse(out) as { description: string }).description;
    expect(description).toContain(
      "| category | proposals | accepted | lower bound | threshold | supported |\n" +
        "| --- | ---: | ---: | ---: | ---: | ---: |\n" +
        "| `code` | 11 | 10 | 0.62 | 0.8 | **0.9** |\n" +
        "| `other` | 2 (+1 open) | 2 | 0.34 | 0.8 | 0.8 |",
    );
    expect(description.trimEnd().split("\n").at(-1)).toMatch(/^<!-- envsync:dashboard /);
  });

  it("refuses a report whose category could carry markup", async () => {
    const hostile = structuredClone(LEARN);
    hostile.categories[0]!.category = "<img src=x>";
    const { code, out } = await dryRun(hostile);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ error: { code: "not-a-learn-report" } });
  });
});
