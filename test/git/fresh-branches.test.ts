import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { DriftReport } from "../../src/drift/drift.js";
import type { CherryPickReport } from "../../src/cherry-pick/cherry-pick.js";
import { envsync, tempDir } from "../helpers/cli.js";
import { CONFIG_3ENV, TestRepo } from "../helpers/repo.js";

/**
 * A team's shared origin and one member's clone of it, whose local branches fall behind as the
 * others push: the situation EnvSync met on a real repository, where drift counted 4 pending of 7
 * and cherry-pick "picked" a commit origin's staging already had.
 */
let team: TestRepo;
let origin: string;
let clone: string;
let config: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd },
  }).trim();

beforeEach(() => {
  team = new TestRepo();
  team.commit("base", { "app.js": "1\n", "README.md": "hi\n" });
  team.git("branch", "staging");
  team.git("branch", "main");
  for (let i = 1; i <= 4; i++) team.commit(`feature ${i}`, { [`f${i}.js`]: `${i}\n` });
  const root = tempDir();
  origin = join(root, "origin.git");
  clone = join(root, "clone");
  execFileSync("git", ["clone", "-q", "--bare", team.dir, origin]);
  team.git("remote", "add", "origin", origin);
  execFileSync("git", ["clone", "-q", origin, clone]);
  git(clone, "config", "user.name", "Dev Two");
  git(clone, "config", "user.email", "dev2@example.com");
  // The member's own staging, as a checkout weeks ago left it.
  git(clone, "branch", "staging", "origin/staging");
  config = join(root, "envsync.yaml");
  writeFileSync(config, CONFIG_3ENV);
});

/** The team moves on: three more features on develop, and one of them picked onto staging. */
function teamPushes(): { picked: string } {
  for (let i = 5; i <= 7; i++) team.commit(`feature ${i}`, { [`f${i}.js`]: `${i}\n` });
  const picked = team.git("rev-parse", "HEAD~1");
  team.checkout("staging");
  team.pick(picked);
  team.checkout("develop");
  team.git("push", "-q", "origin", "develop", "staging");
  return { picked };
}

async function drift(...args: string[]) {
  const result = await envsync(
    ...["drift", "-c", config, "-C", clone, "--from", "dev", "--to", "staging", "--json"],
    ...args,
  );
  return { ...result, report: JSON.parse(result.out) as DriftReport };
}

describe("local mode compares origin's branches, fetched first", () => {
  it("counts what origin/develop has, and says the local develop is behind", async () => {
    teamPushes();
    const { report, err } = await drift();
    // 7 features on origin/develop, one of them already picked onto origin/staging.
    expect(report.pairs[0]!.pending).toHaveLength(6);
    expect(report.pairs[0]!.applied).toHaveLength(1);
    expect(report.branches?.fetch).toEqual({ status: "fetched" });
    const develop = report.branches?.heads.find((h) => h.branch === "develop");
    expect(develop).toMatchObject({ compared: "origin/develop", local: { behind: 3, ahead: 0 } });
    // Under --json the notes are in the report, not on stderr.
    expect(err).toBe("");

    const text = await envsync(
      "drift",
      "-c",
      config,
      "-C",
      clone,
      "--from",
      "dev",
      "--to",
      "staging",
    );
    expect(text.err).toContain(
      "local develop is 3 behind origin/develop: comparing origin/develop",
    );
    expect(text.err).toContain("local staging is 1 behind origin/staging");
  });

  it("with --no-fetch, compares the remote-tracking branches as last fetched", async () => {
    teamPushes();
    const { report } = await drift("--no-fetch");
    expect(report.pairs[0]!.pending).toHaveLength(4);
    expect(report.branches?.fetch).toEqual({ status: "skipped", reason: "--no-fetch" });
    expect(report.branches?.heads.every((h) => h.local === undefined)).toBe(true);
  });

  it("says when local commits are not on origin, and leaves them out", async () => {
    git(clone, "commit", "-q", "--allow-empty", "-m", "local only");
    const { report } = await drift();
    expect(report.pairs[0]!.pending).toHaveLength(4);
    const text = await envsync(
      "drift",
      "-c",
      config,
      "-C",
      clone,
      "--from",
      "dev",
      "--to",
      "staging",
    );
    expect(text.err).toContain(
      "local develop is 1 ahead of origin/develop: comparing origin/develop; its commit not on origin is not counted",
    );
  });

  it("goes on with the branches as last fetched when origin cannot be reached, and says so", async () => {
    teamPushes();
    git(clone, "remote", "set-url", "origin", join(tempDir(), "gone.git"));
    const text = await envsync(
      "drift",
      "-c",
      config,
      "-C",
      clone,
      "--from",
      "dev",
      "--to",
      "staging",
    );
    expect(text.err).toMatch(
      /could not fetch origin \(.+\); comparing the remote-tracking branches as last fetched/,
    );
    expect(text.code).toBe(0);
  });

  it("fetches the branches origin has when one environment branch was never pushed", async () => {
    git(origin, "branch", "-D", "main");
    teamPushes();
    const { report } = await drift();
    expect(report.branches?.fetch).toEqual({ status: "fetched" });
    expect(report.pairs[0]!.pending).toHaveLength(6);
  });

  it("uses the local branches in a repository without origin", async () => {
    team.git("remote", "remove", "origin");
    const result = await envsync(
      ...["drift", "-c", config, "-C", team.dir, "--from", "dev", "--to", "staging", "--json"],
    );
    const report = JSON.parse(result.out) as DriftReport;
    expect(report.pairs[0]!.pending).toHaveLength(4);
    expect(report.branches?.fetch).toEqual({ status: "skipped", reason: "no origin remote" });
    expect(report.branches?.heads.map((h) => h.compared)).toEqual(["develop", "staging"]);
  });
});

describe("cherry-pick onto a stale local branch", () => {
  it("finds the pick origin's staging already has, and picks nothing", async () => {
    const { picked } = teamPushes();
    git(clone, "fetch", "-q", "origin", "develop");
    const result = await envsync(
      ...["cherry-pick", picked, "--to", "staging", "-c", config, "-C", clone],
      ...["--dry-run", "--json"],
    );
    const report = JSON.parse(result.out) as CherryPickReport;
    expect(report.status).toBe("nothing to pick");
    expect(report.skipped).toMatchObject([{ sha: picked, evidence: "patch-id" }]);
    expect(report.target_sha).toBe(git(origin, "rev-parse", "staging"));
  });
});
