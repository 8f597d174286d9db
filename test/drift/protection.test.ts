import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DriftReport } from "../../src/drift/drift.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const DECLARED = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging, risk: medium }
  production: { branch: main, risk: high }
`;

const UNDECLARED = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main }
`;

/** develop, staging and main at one commit: no branch drift, so the exit code is protection's. */
function inSync(): TestRepo {
  const repo = new TestRepo();
  repo.commit("base", { "app.js": "1\n" });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  return repo;
}

async function start(options: StandinOptions = {}) {
  standin = await new GitLabStandin(options).start();
  attachRepositoryRoutes(standin);
  const project = standin.state.addProject("acme/shop");
  const repo = inSync();
  standin.state.repositories.set(project.id, repo.dir);
  return { s: standin, project, repo };
}

function configFile(yaml: string): string {
  const file = join(tempDir("envsync-config-"), "envsync.yaml");
  writeFileSync(file, yaml);
  return file;
}

function drift(
  env: Record<string, string>,
  repo: TestRepo,
  yaml: string,
  ...args: string[]
): ReturnType<typeof envsyncIn> {
  return envsyncIn(
    { env: testEnv(env), http: { sleep: () => Promise.resolve() } },
    ...["drift", "-c", configFile(yaml), "-C", repo.dir, "--no-fetch", ...args],
  );
}

const withToken = (s: GitLabStandin) => ({ GITLAB_TOKEN: s.token, GITLAB_URL: s.url });
const protectionRequests = (s: GitLabStandin) =>
  s.log.filter((r) => /\/(protected_branches|protected_environments|approval_rules)/.test(r.path));

/** GitLab made to match envsync.yaml by `envsync protect` itself. */
async function protectedAsDeclared(s: GitLabStandin, repo: TestRepo) {
  const applied = await envsyncIn(
    { env: testEnv(withToken(s)) },
    ...["protect", "-c", configFile(DECLARED), "-C", repo.dir],
  );
  expect(applied.err).toBe("");
  expect(applied.code).toBe(0);
}

interface ProtectionJson {
  in_line?: boolean;
  premium?: boolean;
  differences?: {
    environment: string;
    action: string;
    target: string;
    fields: { field: string; from: string; to: string }[];
  }[];
  findings?: { environment: string; kind: string; message: string }[];
  unread?: string;
}
const report = (out: string) => JSON.parse(out) as DriftReport & { protection?: ProtectionJson };

describe("drift reports protection drift", () => {
  it("is in line after `envsync protect`: no differences, exit 0", async () => {
    const { s, repo } = await start();
    await protectedAsDeclared(s, repo);
    const result = await drift(withToken(s), repo, DECLARED, "--json");
    expect(result.err).toBe("");
    expect(report(result.out).protection).toEqual({
      in_line: true,
      premium: true,
      differences: [],
      findings: [],
    });
    expect(result.code).toBe(0);
    const text = await drift(withToken(s), repo, DECLARED);
    expect(text.out).toContain("protection in GitLab against envsync.yaml: in line");
    expect(text.code).toBe(0);
  });

  it("shows a rule changed by hand in --json and text, and exits 3", async () => {
    const { s, project, repo } = await start();
    await protectedAsDeclared(s, repo);
    // Someone opens production's branch to developers in GitLab's settings, and adds a wildcard.
    const main = s.protection.branches.find((b) => b.name === "main")!;
    main.push = [{ id: 9001, access_level: 30 }];
    s.protection.addBranch(project.id, "ma*", { push: [30], merge: [30] });
    const writesBefore = s.log.filter((r) => r.method !== "GET").length;

    const result = await drift(withToken(s), repo, DECLARED, "--json");
    expect(result.err).toBe("");
    const protection = report(result.out).protection!;
    expect(protection.in_line).toBe(false);
    expect(protection.differences).toEqual([
      {
        environment: "production",
        action: "update",
        target: "protected branch main",
        fields: [{ field: "push", from: "developers", to: "no one" }],
      },
    ]);
    expect(protection.findings).toEqual([
      expect.objectContaining({
        environment: "production",
        kind: "override",
        message: expect.stringContaining("the wildcard rule ma* also covers main"),
      }),
    ]);
    // Branch drift is nil here: the 3 is protection's.
    expect(report(result.out).pairs.every((p) => p.counts.drifted_files === 0)).toBe(true);
    expect(result.code).toBe(3);

    const text = await drift(withToken(s), repo, DECLARED);
    expect(text.code).toBe(3);
    expect(text.out).toContain("protection in GitLab against envsync.yaml  ← needs attention");
    expect(text.out).toContain(
      "  production: protected branch main\n    push  developers → no one\n",
    );
    expect(text.out).toMatch(/! production: the wildcard rule ma\* also covers main and lets/);
    expect(text.out).toContain("`envsync protect` applies it");
    // drift only reads.
    expect(s.log.filter((r) => r.method !== "GET")).toHaveLength(writesBefore);
  });

  it("reads protection over the API connection in --api mode, counted in its requests", async () => {
    const { s, repo } = await start({ tier: "free" });
    const result = await drift(withToken(s), repo, DECLARED, "--json", "--api");
    expect(result.err).toBe("");
    const json = report(result.out);
    // Nothing is protected yet: both branch rules are missing.
    expect(json.protection!.differences!.map((d) => [d.action, d.target])).toEqual([
      ["create", "protected branch staging"],
      ["create", "protected branch main"],
    ]);
    expect(json.protection!.premium).toBe(false);
    expect(json.protection!.findings!.map((f) => f.kind)).toEqual(["premium", "premium"]);
    expect(json.requests).toBe(s.log.length);
    expect(result.code).toBe(3);
    const text = await drift(withToken(s), repo, DECLARED, "--api");
    expect(text.out).toContain(
      "  staging: protected branch staging (missing in GitLab)\n    push              (none) → maintainers\n",
    );
  });

  it("says a flow job's token, a rejected token and CI_JOB_TOKEN may not read it, and the run goes on", async () => {
    const { s, repo } = await start();
    s.addToken({ value: "flow-job-oauth-token-1", kind: "oauth", scopes: ["ai_workflows", "mcp"] });

    const flowJob = await drift(
      { GITLAB_TOKEN: "flow-job-oauth-token-1", GITLAB_URL: s.url },
      repo,
      DECLARED,
      "--json",
    );
    expect(flowJob.err).toBe("");
    expect(report(flowJob.out).protection).toEqual({
      unread: expect.stringMatching(/^forbidden \(403\).*Maintainer's token\)$/),
    });
    expect(protectionRequests(s).map((r) => r.status)).toEqual([403]);
    expect(flowJob.code).toBe(0);

    const rejected = await drift(
      { GITLAB_TOKEN: "glpat-not-a-known-token", GITLAB_URL: s.url },
      repo,
      DECLARED,
    );
    expect(rejected.out).toMatch(
      /^protection in GitLab against envsync.yaml: not read: the token was rejected \(401 Unauthorized\)/m,
    );
    expect(rejected.code).toBe(0);

    const before = s.log.length;
    const jobToken = await drift(
      { CI_JOB_TOKEN: "ci-job-token-12345678", GITLAB_URL: s.url },
      repo,
      DECLARED,
      "--json",
    );
    expect(report(jobToken.out).protection!.unread).toMatch(
      /^CI_JOB_TOKEN may not read protection/,
    );
    expect(jobToken.code).toBe(0);
    // Refused before asking: GitLab would not take it.
    expect(s.log).toHaveLength(before);
  });

  it("asks GitLab nothing about protection without a declaration, without a token, for undeclared pairs or a fleet", async () => {
    const { s, repo } = await start();
    s.protection.addBranch(s.state.projects[0]!.id, "main", { push: [30], merge: [30] });

    const undeclared = await drift(withToken(s), repo, UNDECLARED, "--json");
    expect(report(undeclared.out)).not.toHaveProperty("protection");
    expect(undeclared.code).toBe(0);

    const noToken = await drift({ GITLAB_URL: s.url }, repo, DECLARED, "--json");
    expect(report(noToken.out)).not.toHaveProperty("protection");
    expect(noToken.code).toBe(0);

    // Only dev → staging is checked, and neither declares protection (production does).
    const devOnly = DECLARED.replace(
      "staging: { branch: staging, risk: medium }",
      "staging: { branch: staging }",
    );
    const pair = await drift(
      withToken(s),
      repo,
      devOnly,
      "--json",
      "--from",
      "dev",
      "--to",
      "staging",
    );
    expect(report(pair.out)).not.toHaveProperty("protection");
    expect(s.log).toEqual([]);

    const fleet = await drift(
      withToken(s),
      repo,
      `${DECLARED}projects:\n  - path: acme/shop\n`,
      "--json",
      "--all-projects",
    );
    expect(fleet.err).not.toContain("failed");
    expect(JSON.parse(fleet.out)).not.toHaveProperty("protection");
    expect(s.log.length).toBeGreaterThan(0);
    expect(protectionRequests(s)).toEqual([]);
  });
});
