import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { driftLocal, type DriftReport, type FleetDriftReport } from "../../src/drift/drift.js";
import { parseConfig } from "../../src/config/load.js";
import { envsync, envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin;

beforeEach(async () => {
  standin = await new GitLabStandin().start();
  attachRepositoryRoutes(standin);
});
afterEach(() => standin.stop());

function project(path: string, repo: TestRepo): void {
  standin.state.repositories.set(standin.state.addProject(path).id, repo.dir);
}

/** A history with a clean pick, a conflict-resolved pick without trailer, a pending commit and a hotfix. */
function history(): TestRepo {
  const repo = new TestRepo();
  repo.commit("base", { "app.js": "1\n2\n3\n", "config/settings.staging.yml": "a: 1\n" });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  const clean = repo.commit("Clean feature", { "clean.js": "c\n" });
  const fix = repo.commit("Fix two", { "app.js": "1\n2 fixed\n3\n" });
  repo.commit("Pending feature", { "pending.js": "p\n" });
  repo.checkout("staging");
  repo.commit("Staging edit", {
    "app.js": "1\n2 staging\n3\n",
    "config/settings.staging.yml": "a: 2\n",
  });
  repo.pick(clean, { trailer: false });
  repo.pickWithConflict(fix, { "app.js": "1\n2 fixed staging\n3\n" }, { trailer: false });
  repo.checkout("main");
  repo.commit("Hotfix", { "hot.js": "h\n" });
  return repo;
}

const YAML = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main }
drift:
  expected:
    - paths: ["config/*.yml"]
      reason: per environment
`;

async function run(configYaml: string, ...flags: string[]) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, configYaml);
  const mode = flags.includes("--all-projects") ? flags : ["--api", ...flags];
  return envsyncIn(
    {
      env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }),
      http: { sleep: () => Promise.resolve() },
    },
    ...["drift", "-c", config, "-C", tempDir(), "--json", ...mode],
  );
}

const essence = (report: DriftReport) =>
  report.pairs.map((p) => ({
    pair: `${p.from}>${p.to}`,
    pending: p.pending.map((c) => c.sha),
    applied: p.applied.map((a) => `${a.sha}>${a.to_sha}`),
    missing: p.missing_upstream.map((c) => c.sha),
    unexpected: p.files.unexpected.map((f) => `${f.status} ${f.path} ${f.pending}`),
    expected: p.files.expected.map((f) => f.path),
  }));

/** Drift of `repo` over the stand-in's API, checked against local mode on the same repository. */
async function apiAgreesWithLocal(repo: TestRepo) {
  project("acme/shop", repo);
  const result = await run(YAML);
  const api = JSON.parse(result.out) as DriftReport;
  const config = parseConfig(YAML, "envsync.yaml");
  const local = await driftLocal(
    config,
    { dir: repo.dir, env: testEnv(), fetch: false },
    config.promotion.pairs,
  );
  expect(essence(api)).toEqual(essence(local));
  return { result, api };
}

describe("envsync drift --api", () => {
  it("agrees with local mode on the same repository", async () => {
    const repo = history();
    const { result, api } = await apiAgreesWithLocal(repo);
    expect(api.mode).toBe("api");
    expect(api.pairs[0]!.applied.map((a) => a.evidence)).toEqual(["fingerprint", "fingerprint"]);
    // Three compares per pair, plus one diff for each of the 6 commits trailers and fingerprints leave
    // unmatched (dev>staging: Pending feature, Staging edit; staging>main: 3 pending, the hotfix).
    expect(api.requests).toBe(12);
    expect(result.code).toBe(3);
  });

  it("falls back to a patch comparison for a re-applied commit whose author date changed", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    repo.git("branch", "staging");
    repo.git("branch", "main");
    const feature = repo.commit("Feature", { "f.txt": "f\n" });
    repo.checkout("staging");
    repo.pick(feature, { trailer: false });
    repo.git("commit", "--amend", "--no-edit", "--reset-author", "-m", "Feature (re-applied)");
    project("acme/shop", repo);
    const report = JSON.parse((await run(YAML)).out) as DriftReport;
    expect(report.pairs[0]!.applied).toEqual([
      { sha: feature, to_sha: repo.git("rev-parse", "staging"), evidence: "patch-id" },
    ]);
    expect(report.pairs[0]!.missing_upstream).toEqual([]);
  });

  it("--all-projects checks each fleet project with its own branches, and reports a failing one without stopping", async () => {
    const a = history();
    const b = new TestRepo();
    b.commit("base", { "x.txt": "x\n" });
    b.git("branch", "staging");
    b.git("branch", "release");
    project("acme/payments", a);
    project("acme/search", b);
    const fleet = `${YAML}projects:\n  - path: acme/payments\n  - path: acme/search\n    environments:\n      production: { branch: release }\n  - path: acme/gone\n`;
    const result = await run(fleet, "--all-projects");
    const report = JSON.parse(result.out) as FleetDriftReport;
    expect(report.projects.map((p) => p.project)).toEqual([
      "acme/payments",
      "acme/search",
      "acme/gone",
    ]);
    expect(report.projects[0]!.pairs![1]!.missing_upstream.map((c) => c.subject)).toEqual([
      "Hotfix",
    ]);
    expect(report.projects[1]!.pairs![1]!.to_branch).toBe("release");
    expect(report.projects[1]!.pairs!.every((p) => p.counts.pending === 0)).toBe(true);
    expect(report.projects[2]!.error).toContain("not found (404): 404 Project Not Found");
    // A line for the failure, and the totals at the end (no terminal here: no live line).
    expect(result.err.split("\n").filter((l) => /^\[\d\/3\] /.test(l))).toHaveLength(1);
    expect(result.err).toMatch(/^drift: 3\/3 \([\d.]+\/s, 1 failed\)$/m);
    expect(result.err).toMatch(
      /\[\d\/3\] acme\/gone: failed: GitLab GET \/api\/v4\/projects\/acme%2Fgone\/repository\/compare: not found \(404\)/,
    );
    expect(result.code).toBe(1);
  });

  it("--all-projects stops when GitLab rejects the token, instead of asking for every project", async () => {
    const repo = history();
    const paths = Array.from({ length: 8 }, (_, i) => `acme/p${i}`);
    for (const path of paths) project(path, repo);
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: "glpat-wrong", GITLAB_URL: standin.url }) },
      ...["drift", "-c", config, "-C", tempDir(), "--json", "--all-projects"],
      ...["--concurrency", "1"],
    );
    expect(result.code).not.toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "gitlab-unauthorized" } });
    // Let requests already sent land; no other project may be asked.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asked = new Set(standin.log.map((entry) => entry.path.split("/")[4]));
    expect([...asked]).toEqual(["acme%2Fp0"]);
  });

  it("names the scope when no token is set", async () => {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const result = await envsync("drift", "-c", config, "-C", tempDir(), "--api");
    expect(result.code).toBe(1);
    expect(result.err).toContain("no GitLab token");
  });
});

describe("envsync drift --all-projects --shard", () => {
  it("checks only the projects of its shard, and says which shard the report covers", async () => {
    const repo = history();
    const paths = ["acme/a", "acme/b", "acme/c", "acme/d", "acme/e", "acme/f"];
    for (const path of paths) project(path, repo);
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const seen: string[] = [];
    for (const shard of ["1/2", "2/2"]) {
      const result = await run(fleet, "--all-projects", "--shard", shard);
      const report = JSON.parse(result.out) as FleetDriftReport;
      expect(report.shard).toEqual({ index: Number(shard[0]), count: 2 });
      seen.push(...report.projects.map((p) => p.project));
    }
    expect(seen.sort()).toEqual(paths);
  });

  it.each([
    [["--all-projects", "--shard", "3/2"], /argument '3\/2' is invalid. I is between 1 and 2/],
    [["--api", "--shard", "1/2"], /--shard splits --all-projects/],
  ])("refuses %j as a usage error", async (flags, message) => {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
      ...["drift", "-c", config, "-C", tempDir(), ...flags],
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe("envsync drift --api under GitLab's rate limit", () => {
  it("paces itself by the RateLimit-* headers: every request answered, none refused", async () => {
    await standin.stop();
    standin = await new GitLabStandin({ rateLimit: { limit: 4, windowSeconds: 1 } }).start();
    attachRepositoryRoutes(standin);
    const repo = history();
    project("acme/shop", repo);
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
      ...["drift", "-c", config, "-C", tempDir(), "--api", "--json"],
    );
    expect(result.code).toBe(3);
    expect(standin.log.length).toBeGreaterThan(8);
    expect(standin.log.filter((r) => r.status === 429)).toEqual([]);
    expect(result.err).toMatch(/waiting [\d.]+s for GitLab's rate limit/);
  });
});

describe("envsync drift --api on large commits", () => {
  it("reads every page of a 150-file commit's diff and agrees with local mode", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "app.js": "1\n" });
    repo.git("branch", "staging");
    repo.git("branch", "main");
    const files = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`src/mod${i}.js`, `export const v${i} = ${i};\n`]),
    );
    repo.commit("Big refactor", files);
    repo.checkout("staging");
    // The same change re-applied by hand: another author date, so only the patch says it is equal.
    repo.commit("Big refactor (staging)", files);
    repo.checkout("develop");
    repo.commit(
      "Second big change",
      Object.fromEntries(
        Object.keys(files).map((path) => [path, `export const changed = "${path}";\n`]),
      ),
    );
    const { api } = await apiAgreesWithLocal(repo);
    const devPair = api.pairs[0]!;
    expect(devPair.files.unexpected).toHaveLength(150);
    expect(devPair.files.unexpected.every((f) => f.pending)).toBe(true);
    // Two pages of 100 for each 150-file diff read.
    const diffPages = standin.requests({ path: /\/repository\/commits\/[0-9a-f]+\/diff$/ });
    expect(diffPages.length % 2).toBe(0);
    expect(diffPages.length).toBeGreaterThan(0);
  });
});

describe("envsync drift --api on files GitLab does not diff", () => {
  it("never takes two changes to one too-large file for the same patch: the pending commit and the hotfix both show", async () => {
    const rows = (tag: string) =>
      Array.from({ length: 20_000 }, (_, i) => `row ${i} ${tag}\n`).join("");
    const repo = new TestRepo();
    repo.commit("base", { "data/schema.json": rows("base") });
    repo.git("branch", "staging");
    repo.git("branch", "main");
    const pending = repo.commit("Regenerate schema", { "data/schema.json": rows("feature") });
    repo.checkout("staging");
    const hotfix = repo.commit("Hotfix schema", { "data/schema.json": rows("hotfix") });
    repo.checkout("develop");
    const { api } = await apiAgreesWithLocal(repo);
    // GitLab withheld both diffs (too_large, empty): no patch-id may pair them.
    const diffs = standin.requests({ path: /\/repository\/commits\/[0-9a-f]+\/diff$/ });
    expect(diffs.length).toBeGreaterThan(0);
    const devPair = api.pairs[0]!;
    expect(devPair.applied).toEqual([]);
    expect(devPair.pending.map((c) => c.sha)).toEqual([pending]);
    expect(devPair.missing_upstream.map((c) => c.sha)).toEqual([hotfix]);
  });
});

describe("where EnvSync finds GitLab", () => {
  it("never sends the token to a host only the origin remote names; GITLAB_URL names it", async () => {
    const repo = history();
    project("acme/shop", repo);
    const clone = new TestRepo();
    clone.git("remote", "add", "origin", `${standin.url}/acme/shop.git`);
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML.replace("project: acme/shop\n", ""));
    const drift = (env: Record<string, string>) =>
      envsyncIn(
        { env: testEnv({ GITLAB_TOKEN: standin.token, ...env }) },
        ...["drift", "-c", config, "-C", clone.dir, "--api", "--json"],
      );
    const refused = await drift({});
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out)).toMatchObject({ error: { code: "gitlab-instance-unnamed" } });
    expect(refused.err).toContain(`export GITLAB_URL=`);
    expect(standin.log).toHaveLength(0);
    // Named on purpose, the instance is asked; the project still comes from the origin remote.
    const result = await drift({ GITLAB_URL: standin.url });
    expect(result.err).toBe("");
    expect(JSON.parse(result.out)).toMatchObject({ mode: "api", project: "acme/shop" });
  });

  it("works with a Duo flow job's environment: an OAuth token as Bearer, GITLAB_BASE_URL, GITLAB_PROJECT_PATH", async () => {
    await standin.stop();
    standin = await new GitLabStandin({ token: "oauth-flow-token", tokenKind: "oauth" }).start();
    attachRepositoryRoutes(standin);
    project("acme/shop", history());
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML.replace("project: acme/shop\n", ""));
    const env = testEnv({
      GITLAB_TOKEN: "oauth-flow-token",
      GITLAB_BASE_URL: standin.url,
      GITLAB_PROJECT_PATH: "acme/shop",
    });
    const result = await envsyncIn(
      { env },
      ...["drift", "-c", config, "-C", tempDir(), "--api", "--json"],
    );
    expect(result.err).toBe("");
    expect(JSON.parse(result.out)).toMatchObject({ project: "acme/shop" });
    expect(standin.log.every((r) => r.status !== 401)).toBe(true);
  });

  it("refuses CI_JOB_TOKEN before sending anything: GitLab's compare does not take it", async () => {
    await standin.stop();
    standin = await new GitLabStandin({ token: "ci-job-token", tokenKind: "job" }).start();
    attachRepositoryRoutes(standin);
    project("acme/shop", history());
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const env = testEnv({ CI_JOB_TOKEN: "ci-job-token", CI_SERVER_URL: standin.url });
    const result = await envsyncIn(
      { env },
      ...["drift", "-c", config, "-C", tempDir(), "--api", "--json"],
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error).toMatchObject({
      code: "gitlab-no-token",
      hint: expect.stringContaining("CI_JOB_TOKEN cannot do this") as string,
    });
    expect(standin.log).toEqual([]);
  });

  it("in a flow job's shallow workload checkout, asks the API instead of reading half a history", async () => {
    const repo = history();
    project("acme/shop", repo);
    const workload = join(tempDir(), "workload");
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo.dir}`, workload]);
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML.replace("project: acme/shop\n", ""));
    const env = testEnv({
      GITLAB_TOKEN: standin.token,
      GITLAB_BASE_URL: standin.url,
      GITLAB_PROJECT_PATH: "acme/shop",
    });
    const result = await envsyncIn({ env }, "drift", "-c", config, "-C", workload, "--json");
    expect(result.err).toContain("reading GitLab's API: the local clone is a shallow clone");
    const api = JSON.parse(result.out) as DriftReport;
    expect(api.mode).toBe("api");
    const parsed = parseConfig(YAML, "envsync.yaml");
    const local = await driftLocal(
      parsed,
      { dir: repo.dir, env: testEnv(), fetch: false },
      parsed.promotion.pairs,
    );
    expect(essence(api)).toEqual(essence(local));
  });
});
