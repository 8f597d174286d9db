import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProjectStatus } from "../../src/status/status.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin;
beforeEach(async () => {
  standin = await new GitLabStandin().start();
  attachRepositoryRoutes(standin);
});
afterEach(() => standin.stop());

const YAML = `version: 1
project: acme/shop
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main, gitlab_environment: prod }
`;

/** develop has one commit pending for staging; main has a hotfix staging lacks. */
function repo(): TestRepo {
  const r = new TestRepo();
  r.commit("base", { "a.txt": "a\n" });
  r.git("branch", "staging");
  r.git("branch", "main");
  r.commit("Feature X", { "x.txt": "x\n" });
  r.checkout("main");
  r.commit("Hotfix Y", { "y.txt": "y\n" });
  return r;
}

function seed(projectPath: string, r: TestRepo): number {
  const id = standin.state.addProject(projectPath).id;
  standin.state.repositories.set(id, r.dir);
  const head = (b: string) => r.git("rev-parse", b);
  let n = standin.state.id();
  standin.state.pipelines.push(
    {
      projectId: id,
      id: n++,
      iid: 1,
      ref: "develop",
      sha: head("develop"),
      status: "SUCCESS",
      createdAt: "2026-11-24T10:00:00Z",
    },
    {
      projectId: id,
      id: n++,
      iid: 2,
      ref: "staging",
      sha: head("staging"),
      status: "SUCCESS",
      createdAt: "2026-11-23T09:00:00Z",
    },
    {
      projectId: id,
      id: n++,
      iid: 3,
      ref: "staging",
      sha: head("staging"),
      status: "FAILED",
      createdAt: "2026-11-24T11:30:00Z",
    },
  );
  standin.state.deployments.push(
    {
      projectId: id,
      id: n++,
      iid: 7,
      environment: "staging",
      ref: "staging",
      sha: head("staging"),
      status: "SUCCESS",
      createdAt: "2026-11-23T09:10:00Z",
      finishedAt: "2026-11-23T09:12:00Z",
    },
    {
      projectId: id,
      id: n++,
      iid: 8,
      environment: "prod",
      ref: "main",
      sha: head("main~1"),
      status: "SUCCESS",
      createdAt: "2026-11-20T09:10:00Z",
      finishedAt: "2026-11-20T09:12:00Z",
    },
    {
      projectId: id,
      id: n,
      iid: 9,
      environment: "prod",
      ref: "main",
      sha: head("main"),
      status: "FAILED",
      createdAt: "2026-11-24T09:10:00Z",
      finishedAt: "2026-11-24T09:12:00Z",
    },
  );
  return id;
}

async function run(
  yaml: string,
  options: {
    allProjects?: boolean;
    json?: boolean;
    batch?: number;
    concurrency?: number;
    token?: string;
    sleep?: (ms: number) => Promise<void>;
  } = {},
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, yaml);
  const argv = ["status", "-c", config];
  if (options.json ?? true) argv.push("--json");
  if (options.allProjects) argv.push("--all-projects");
  if (options.batch) argv.push("--batch", String(options.batch));
  if (options.concurrency) argv.push("--concurrency", String(options.concurrency));
  return envsyncIn(
    {
      env: testEnv({ GITLAB_TOKEN: options.token ?? standin.token, GITLAB_URL: standin.url }),
      now: () => new Date("2026-11-24T12:00:00Z"),
      ...(options.sleep ? { http: { sleep: options.sleep } } : {}),
    },
    ...argv,
  );
}

describe("envsync status", () => {
  it("reports each environment's head, latest pipeline, last successful deployment and drift", async () => {
    const r = repo();
    seed("acme/shop", r);
    const result = await run(YAML);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { requests: number; projects: ProjectStatus[] };
    const [dev, staging, production] = report.projects[0]!.environments;
    expect(dev).toMatchObject({
      environment: "dev",
      head: {
        sha: r.git("rev-parse", "develop"),
        title: "Feature X",
        url: `${standin.url}/acme/shop/-/commit/${r.git("rev-parse", "develop")}`,
      },
      pipeline: { status: "success" },
      deployment: null,
      drift: null,
    });
    expect(staging).toMatchObject({
      pipeline: { status: "failed", created_at: "2026-11-24T11:30:00Z" },
      deployment: { deploys_head: true },
      drift: { from: "dev", pending: 1, missing_upstream: 0 },
    });
    expect(production).toMatchObject({
      gitlab_environment: "prod",
      pipeline: null,
      deployment: { sha: r.git("rev-parse", "main~1"), deploys_head: false },
      drift: { from: "staging", pending: 0, missing_upstream: 1 },
    });
    // One GraphQL request for all heads, pipelines and deployments; two compares per pair.
    expect(standin.requests({ operation: "EnvsyncStatus" })).toHaveLength(1);
    expect(report.requests).toBe(5);
  });

  it("counts no commit that touches only an expected difference, as drift does", async () => {
    const yaml = `${YAML}drift:
  expected: [{ paths: [config/*.yml], between: [staging, production], reason: own settings }]
`;
    const r = new TestRepo();
    r.commit("base", { "a.txt": "a\n" });
    r.git("branch", "staging");
    r.git("branch", "main");
    r.checkout("main");
    r.commit("Production settings", { "config/app.yml": "pool: 50\n" });
    seed("acme/shop", r);
    const production = async (config: string) =>
      (JSON.parse((await run(config)).out) as { projects: ProjectStatus[] }).projects[0]!
        .environments[2]!.drift;
    expect(await production(YAML)).toMatchObject({ missing_upstream: 1 });
    expect(await production(yaml)).toMatchObject({ missing_upstream: 0 });
    // Status reads no commit's own diff: next to a hotfix, whose side of the compare changes
    // other files too, the settings commit cannot be told apart and stays counted.
    r.commit("Hotfix Y", { "y.txt": "y\n" });
    expect(await production(yaml)).toMatchObject({ missing_upstream: 2 });
  });

  it("gives a flow job's token the same facts over REST where GraphQL withholds them", async () => {
    const r = repo();
    r.checkout("staging");
    r.commit("Deploy job", {
      ".gitlab-ci.yml": "deploy-staging:\n  script: [./deploy]\n  environment: staging\n",
    });
    r.checkout("develop");
    const id = seed("acme/shop", r);
    const green = standin.state.pipelines.find((p) => p.ref === "staging" && p.iid === 2)!;
    standin.state.jobs.push({
      projectId: id,
      id: standin.state.id(),
      pipelineId: green.id,
      name: "deploy-staging",
      stage: "deploy",
      status: "success",
      log: "",
      finishedAt: "2026-11-23T09:12:00Z",
    });
    standin.addToken({ value: "flow-oauth", kind: "oauth", scopes: ["ai_workflows", "mcp"] });
    const person = JSON.parse((await run(YAML)).out) as { projects: ProjectStatus[] };
    const flow = await run(YAML, { token: "flow-oauth" });
    expect(flow.code).toBe(0);
    const [project] = (JSON.parse(flow.out) as { projects: ProjectStatus[] }).projects;
    expect(project).toMatchObject({ read_via: "rest", deployments_from: "deploy jobs" });
    expect(person.projects[0]!.read_via).toBe("graphql");
    const facts = (p: ProjectStatus) =>
      p.environments.map(({ head, pipeline, drift }) => ({ head, pipeline, drift }));
    expect(facts(project!)).toEqual(facts(person.projects[0]!));
    const [, staging, production] = project!.environments;
    // The deploy job's pipeline ran at the staging head; main names no deploy job.
    expect(staging!.deployment).toMatchObject({
      sha: r.git("rev-parse", "staging"),
      deploys_head: true,
    });
    expect(production!.deployment).toBeNull();
  });

  it("prints a table with ages", async () => {
    seed("acme/shop", repo());
    const result = await run(YAML, { json: false });
    const lines = result.out.split("\n");
    expect(lines[0]).toBe("== acme/shop");
    expect(lines[1]).toMatch(/^environment\s+branch\s+head\s+pipeline\s+last deployment\s+drift$/);
    expect(result.out).toMatch(
      /staging\s+staging\s+[0-9a-f]{8} base \(\d+d ago\)\s+failed 30m ago\s+[0-9a-f]{8} 27h ago\s+1 pending from dev/,
    );
    expect(result.out).toMatch(
      /production\s+main\s+[0-9a-f]{8} Hotfix Y .*\(behind head\)\s+0 pending from staging, 1 missing upstream/,
    );
  });

  it("--all-projects batches projects into few GraphQL requests and reports a missing project without stopping", async () => {
    seed("acme/a", repo());
    seed("acme/b", repo());
    seed("acme/c", repo());
    const fleet = `${YAML}projects:\n  - path: acme/a\n  - path: acme/b\n  - path: acme/c\n  - path: acme/gone\n`;
    const result = await run(fleet, { allProjects: true, batch: 2 });
    const report = JSON.parse(result.out) as { requests: number; projects: ProjectStatus[] };
    expect(
      report.projects.map((p) => [p.project, p.environments.length, p.error ? "error" : "ok"]),
    ).toEqual([
      ["acme/a", 3, "ok"],
      ["acme/b", 3, "ok"],
      ["acme/c", 3, "ok"],
      ["acme/gone", 0, "error"],
    ]);
    expect(report.projects[3]!.error).toContain("404");
    expect(standin.requests({ operation: "EnvsyncStatus" })).toHaveLength(2);
    expect(report.requests).toBe(2 + 4 * 2 * 2);
    expect(result.err.split("\n").filter((l) => l.startsWith("["))).toEqual([
      expect.stringMatching(/^\[\d\/4\] acme\/gone: failed: /),
    ]);
    expect(result.err).toMatch(/^status: 4\/4 \([\d.]+\/s, 1 failed\)$/m);
    expect(result.code).toBe(1);
  });

  it("sizes each GraphQL request under GitLab's complexity limit, whatever --batch allows", async () => {
    const paths = ["acme/a", "acme/b", "acme/c", "acme/d", "acme/e"];
    for (const path of paths) seed(path, repo());
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, { allProjects: true, batch: 5 });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { projects: ProjectStatus[] };
    expect(report.projects.every((p) => !p.error && p.environments.length === 3)).toBe(true);
    expect(standin.complexities.every((c) => c <= 250)).toBe(true);
    // 3 environments cost 96 each: two projects per request.
    expect(standin.requests({ operation: "EnvsyncStatus" })).toHaveLength(3);
  });

  it("splits a batch GitLab refuses for complexity and asks again, losing no project", async () => {
    const paths = ["acme/a", "acme/b"];
    for (const path of paths) seed(path, repo());
    standin.fail({
      operation: "EnvsyncStatus",
      respond: {
        status: 200,
        body: {
          errors: [{ message: "Query has complexity of 251, which exceeds max complexity of 250" }],
        },
      },
    });
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, { allProjects: true });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { projects: ProjectStatus[] };
    expect(report.projects.map((p) => [p.project, p.error ?? "ok"])).toEqual([
      ["acme/a", "ok"],
      ["acme/b", "ok"],
    ]);
    expect(standin.requests({ operation: "EnvsyncStatus" })).toHaveLength(3);
  });

  it("--all-projects works through a few batches at a time, each GraphQL request with its compares", async () => {
    const r = repo();
    const paths = Array.from({ length: 12 }, (_, i) => `acme/p${i}`);
    for (const path of paths) seed(path, r);
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, { allProjects: true, concurrency: 1 });
    expect(result.code).toBe(0);
    const order = standin.log.map((entry) =>
      entry.operation === "EnvsyncStatus"
        ? "graphql"
        : decodeURIComponent(/projects\/([^/]+)\/repository\/compare$/.exec(entry.path)![1]!),
    );
    // Two projects per GraphQL request (3 environments): 6 requests. Launching the whole fleet at
    // once would ask all 6 before any compare, holding every project's requests in memory.
    expect(order.filter((o) => o === "graphql")).toHaveLength(6);
    expect(order.lastIndexOf("graphql")).toBeGreaterThan(order.lastIndexOf("acme/p0"));
    // With one request in flight, two batches (four projects) are under way at most.
    const open = new Set<string>();
    let most = 0;
    order.forEach((o, i) => {
      if (o === "graphql") return;
      open.add(o);
      most = Math.max(most, open.size);
      if (!order.slice(i + 1).includes(o)) open.delete(o);
    });
    expect(most).toBeLessThanOrEqual(4);
    const report = JSON.parse(result.out) as { projects: ProjectStatus[] };
    expect(report.projects.map((p) => [p.project, p.error ?? "ok"])).toEqual(
      paths.map((p) => [p, "ok"]),
    );
  });

  it("stops asking when GitLab rejects the token, instead of sending the rest of the fleet", async () => {
    const paths = Array.from({ length: 12 }, (_, i) => `acme/p${i}`);
    for (const path of paths) seed(path, repo());
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, { allProjects: true, concurrency: 1, token: "glpat-wrong" });
    expect(result.code).not.toBe(0);
    expect(result.err).toContain("401");
    // Let requests already handed to the HTTP client land; none beyond them may start.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Two batches were under way: 2 GraphQL requests and 2 × 2 projects × 2 pairs × 2 compares.
    expect(standin.log.length).toBeLessThanOrEqual(2 + 16);
    expect(standin.log.every((entry) => entry.status === 401)).toBe(true);
  });

  it("resumes after GitLab answers 429, waiting as long as retry-after says, losing no project", async () => {
    const paths = ["acme/a", "acme/b", "acme/c"];
    for (const path of paths) seed(path, repo());
    // Another client of the same user spent the budget: GitLab refuses three requests.
    standin.fail({
      path: /\/repository\/compare$/,
      times: 3,
      respond: { status: 429, headers: { "retry-after": "7" }, body: "Retry later" },
    });
    const waits: number[] = [];
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, {
      allProjects: true,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { requests: number; projects: ProjectStatus[] };
    expect(report.projects.map((p) => [p.project, p.error ?? "ok"])).toEqual(
      paths.map((p) => [p, "ok"]),
    );
    expect(standin.log.filter((r) => r.status === 429)).toHaveLength(3);
    expect(waits).toEqual([7000, 7000, 7000]);
    expect(result.err).toMatch(
      /retrying GET \/api\/v4\/projects\/[^ ]+ in 7s \(HTTP 429, attempt 1\)/,
    );
    // 2 GraphQL requests and 3 projects × 2 pairs × 2 compares, plus the 3 refused and asked again.
    expect(report.requests).toBe(2 + 12 + 3);
  });

  it("never goes over GitLab's advertised budget with 16 requests allowed in flight", async () => {
    await standin.stop();
    standin = await new GitLabStandin({ rateLimit: { limit: 8, windowSeconds: 1 } }).start();
    attachRepositoryRoutes(standin);
    const paths = Array.from({ length: 6 }, (_, i) => `acme/p${i}`);
    const r = repo();
    for (const path of paths) seed(path, r);
    const fleet = `${YAML}projects:\n${paths.map((p) => `  - path: ${p}\n`).join("")}`;
    const result = await run(fleet, { allProjects: true, concurrency: 16 });
    expect(result.code).toBe(0);
    // 3 GraphQL requests and 6 projects × 4 compares, 8 a second: several windows, none
    // overdrawn, though answers come out of order and windows end between them.
    expect(standin.log).toHaveLength(27);
    expect(standin.log.filter((entry) => entry.status === 429)).toEqual([]);
    expect(result.err).toMatch(/waiting for GitLab's rate limit/);
  });
});
