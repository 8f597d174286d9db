import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
dashboard:
  issue_title: "Env health"
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

function repo(): TestRepo {
  const r = new TestRepo();
  r.commit("base", { "a.txt": "a\n" });
  r.git("branch", "-M", "staging");
  r.git("branch", "main");
  r.commit("Feature | with `pipes`", { "b.txt": "b\n" });
  return r;
}

async function dashboard(
  r: TestRepo,
  options: { report?: string; dryRun?: boolean } = {},
  at = "2026-11-24T06:00:00Z",
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
  const argv = ["dashboard", "-c", config, "-C", r.dir, "--json"];
  if (options.report) argv.push("--report", options.report);
  if (options.dryRun) argv.push("--dry-run");
  const { code, out, err } = await envsyncIn(
    {
      env: testEnv(standin ? { GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url } : {}),
      now: () => new Date(at),
    },
    ...argv,
  );
  return { code, out: out ? JSON.parse(out) : undefined, err };
}

describe("envsync dashboard", () => {
  it("creates the issue with a table per pair, then replaces the description and notes only real changes", async () => {
    const r = repo();
    standin = await new GitLabStandin().start();
    standin.state.addProject("acme/shop");
    const first = await dashboard(r);
    expect(first.out).toMatchObject({ issue: 1, created: true, note_posted: false });
    const issue = standin.state.issues[0]!;
    expect(issue.title).toBe("Env health");
    expect(issue.description).toContain("| staging → production | 1 | 0 | 0 | 0 | 0 |");
    expect(issue.description).toContain("`` Feature \\| with `pipes` ``");
    expect(issue.description).toMatch(
      /<!-- envsync:dashboard \{"schema_version":1,"envsync_version":"\d+\.\d+\.\d+[^"]*","written_at":"2026-11-24T06:00:00.000Z","kind":"project","hash":"[0-9a-f]{16}"/,
    );

    const same = await dashboard(r, {}, "2026-11-25T06:00:00Z");
    expect(same.out).toMatchObject({ created: false, note_posted: false });
    expect(issue.description).toContain("Updated 2026-11-25 06:00 UTC");
    expect(standin.state.notes).toEqual([]);

    r.checkout("main");
    const hotfix = r.commit("Hotfix", { "h.txt": "h\n" });
    const changed = await dashboard(r, {}, "2026-11-26T06:00:00Z");
    expect(changed.out).toMatchObject({ note_posted: true });
    expect(standin.state.notes).toHaveLength(1);
    expect(standin.state.notes[0]!.body).toBe(
      `**EnvSync drift check**: something changed since the last run.\n- staging → production: missing upstream 0 → 1; unexplained drift 0 → 1; new hotfix missing upstream: \`${hotfix.slice(0, 10)}\``,
    );
    expect(standin.state.issues).toHaveLength(1);
  });

  it("reads a report written by `envsync drift --json`", async () => {
    const r = repo();
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const report = join(tempDir(), "drift.json");
    const drift = await envsyncIn(
      { now: () => new Date("2026-11-24T05:50:00Z") },
      ...["drift", "-c", config, "-C", r.dir, "--json"],
    );
    expect(JSON.parse(drift.out).generated_at).toBe("2026-11-24T05:50:00.000Z");
    writeFileSync(report, drift.out);
    const { out } = await dashboard(r, { report, dryRun: true });
    expect(out.description).toContain("### staging → production (`staging` → `main`)");
    // Each pair is dated by the report, the block by the dashboard's own run.
    expect(out.state.pairs[0].checked_at).toBe("2026-11-24T05:50:00.000Z");
    expect(out.state.written_at).toBe("2026-11-24T06:00:00.000Z");
  });

  it("--dry-run prints the description and sends nothing", async () => {
    const { code, out } = await dashboard(repo(), { dryRun: true });
    expect(code).toBe(0);
    expect(out.dry_run).toBe(true);
    expect(out.description).toContain("## Env health");
  });

  it("rejects a file that is not a drift report", async () => {
    const bad = join(tempDir(), "x.json");
    writeFileSync(bad, "{}");
    const { code, err } = await dashboard(repo(), { report: bad, dryRun: true });
    expect(code).toBe(2);
    expect(err).toContain("x.json is not an envsync drift report at pairs: ");
  });
});
