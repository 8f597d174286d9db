import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/context.js";
import type { RetryPolicy } from "../../src/gitlab/http.js";
import { envsyncIn, repoRoot, tempDir, testEnv } from "../helpers/cli.js";
import { failingLookup } from "../helpers/dns.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";
import { TestRepo } from "../helpers/repo.js";

const CONFIG = join(repoRoot, "examples", "envsync.yaml");
const FLOWS = join(repoRoot, "flows");
const MUTATIONS = [
  "EnvsyncFlowCreate",
  "EnvsyncFlowUpdate",
  "EnvsyncAgentCreate",
  "EnvsyncAgentUpdate",
  "EnvsyncConsumerCreate",
];

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

/** The example's GitLab: catalog project acme/envsync-flows, group acme, projects shop, payments, search. */
async function gitlab(options: StandinOptions = {}): Promise<GitLabStandin> {
  standin = await new GitLabStandin(options).start();
  for (const path of ["acme/envsync-flows", "acme/shop", "acme/payments", "acme/search"])
    standin.state.addProject(path);
  standin.state.addGroup("acme");
  return standin;
}

interface Run {
  code: number;
  out: string;
  err: string;
  sleeps: number[];
}

async function run(
  gl: GitLabStandin,
  args: { dryRun?: boolean; json?: boolean; version?: string; dir?: string; config?: string } = {},
  deps: { env?: Env; policy?: Partial<RetryPolicy> } = {},
): Promise<Run> {
  const sleeps: number[] = [];
  const argv = ["publish", "-c", args.config ?? CONFIG, "--dir", args.dir ?? FLOWS];
  if (args.dryRun) argv.push("--dry-run");
  if (args.json) argv.push("--json");
  if (args.version) argv.push("--release", args.version);
  const result = await envsyncIn(
    {
      env: deps.env ?? testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url }),
      http: {
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        ...(deps.policy ? { policy: deps.policy } : {}),
      },
    },
    ...argv,
  );
  return { ...result, sleeps };
}

const mutationsSent = (gl: GitLabStandin) =>
  gl.log.filter((r) => r.operation && MUTATIONS.includes(r.operation));

describe("envsync publish against the GitLab stand-in", () => {
  it("creates the four flows and the assistant agent, enables them in the group and every project, and reports the @handles", async () => {
    const gl = await gitlab();
    const result = await run(gl);
    expect(result.err).toContain("envsync-core: created");
    expect(result.code).toBe(0);

    const items = gl.state.items;
    expect(items.map((i) => [i.name, i.itemType]).sort()).toEqual([
      ["envsync-assistant", "AGENT"],
      ["envsync-conflict-resolver", "FLOW"],
      ["envsync-core", "FLOW"],
      ["envsync-pipeline-doctor", "FLOW"],
      ["envsync-rollback-guardian", "FLOW"],
    ]);
    expect(
      items.every(
        (i) =>
          i.projectId === gl.state.project("acme/envsync-flows")!.id &&
          i.visibility === "PRIVATE" &&
          i.versions[0]!.released,
      ),
    ).toBe(true);

    const core = items.find((i) => i.name === "envsync-core")!;
    expect(core.versions[0]!.definition).toMatch(/^version: "v1"\nenvironment: ambient\n/);
    const agent = items.find((i) => i.itemType === "AGENT")!;
    const toolNames = agent.versions[0]!.toolIds!.map(
      (id) => gl.state.builtInTools.find((t) => t.id === id)!.name,
    );
    expect(toolNames).toContain("get_repository_file");
    expect(toolNames).not.toContain("create_issue_note");
    expect(agent.versions[0]!.systemPrompt).toContain("<environment_topology>");

    const group = gl.state.group("acme")!;
    expect(gl.state.consumers.filter((c) => c.groupId === group.id)).toHaveLength(5);
    const inProjects = gl.state.consumers.filter((c) => c.projectId !== undefined);
    expect(inProjects).toHaveLength(15); // shop, payments, search
    expect(
      inProjects
        .filter((c) => c.itemId === core.id)
        .every((c) => c.triggerTypes.join() === "mention"),
    ).toBe(true);
    expect(
      inProjects.filter((c) => c.itemId === agent.id).every((c) => c.triggerTypes.length === 0),
    ).toBe(true);
    expect(result.out).toContain("@ai-envsync-core-acme");
  });

  it("is a no-op on a second run: everything unchanged, no write sent", async () => {
    const gl = await gitlab();
    await run(gl);
    const before = gl.log.length;
    const again = await run(gl);
    expect(again.code).toBe(0);
    expect(mutationsSent(gl)).toHaveLength(25); // the first run: 5 items, 5 group and 15 project consumers
    const secondRun = gl.log.slice(before);
    expect(secondRun.filter((r) => r.operation && MUTATIONS.includes(r.operation))).toEqual([]);
    expect(again.out.match(/(flow|agent)\s+unchanged/g)).toHaveLength(5);
    expect(again.out).toContain("4 exists");
    expect(gl.state.items).toHaveLength(5);
  });

  it("updates only the item whose definition differs, as a new released version", async () => {
    const gl = await gitlab();
    await run(gl);
    const doctor = gl.state.items.find((i) => i.name === "envsync-pipeline-doctor")!;
    doctor.versions[0]!.definition = doctor.versions[0]!.definition!.replace(
      "max_cycles: 30",
      "max_cycles: 99",
    );
    const result = await run(gl);
    expect(result.code).toBe(0);
    expect(doctor.versions.map((v) => v.versionName)).toEqual(["1.0.0", "1.0.1"]);
    expect(doctor.versions[1]!.definition).toContain("max_cycles: 30");
    expect(gl.state.items.filter((i) => i !== doctor).every((i) => i.versions.length === 1)).toBe(
      true,
    );
    expect(result.out).toMatch(/envsync-pipeline-doctor\s+flow\s+updated/);
  });

  it("treats a definition GitLab re-serialised as unchanged", async () => {
    const gl = await gitlab();
    await run(gl);
    const core = gl.state.items.find((i) => i.name === "envsync-core")!;
    const { dump, load } = (await import("js-yaml")).default;
    core.versions[0]!.definition = dump(load(core.versions[0]!.definition!), { lineWidth: -1 });
    const result = await run(gl);
    expect(core.versions).toHaveLength(1);
    expect(result.out).toMatch(/envsync-core\s+flow\s+unchanged/);
  });

  it("--release picks the bump that reaches it, and refuses one that does not follow", async () => {
    const gl = await gitlab();
    await run(gl);
    const core = gl.state.items.find((i) => i.name === "envsync-core")!;
    core.versions[0]!.definition += "\n# edited in the UI\nname: other\n";
    expect((await run(gl, { version: "1.1.0" })).code).toBe(0);
    expect(core.versions.at(-1)!.versionName).toBe("1.1.0");
    core.versions.at(-1)!.definition = "version: v1\n";
    const refused = await run(gl, { version: "1.0.5" });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      "--release 1.0.5 is not newer than envsync-core's latest version 1.1.0",
    );
  });

  it("--dry-run writes nothing and shows what would change, with a diff", async () => {
    const gl = await gitlab();
    const fresh = await run(gl, { dryRun: true });
    expect(fresh.code).toBe(0);
    expect(mutationsSent(gl)).toEqual([]);
    expect(gl.state.items).toEqual([]);
    expect(fresh.out.match(/would create/g)!.length).toBeGreaterThanOrEqual(5);
    expect(fresh.out).toContain("+++ envsync-core (");
    expect(fresh.out).toContain("+environment: ambient");

    await run(gl);
    const core = gl.state.items.find((i) => i.name === "envsync-core")!;
    core.versions[0]!.definition = core.versions[0]!.definition!.replace(
      "max_cycles: 15",
      "max_cycles: 16",
    );
    const before = mutationsSent(gl).length;
    const changed = await run(gl, { dryRun: true, json: true });
    const report = JSON.parse(changed.out);
    expect(mutationsSent(gl).length).toBe(before);
    const item = report.items.find((i: { name: string }) => i.name === "envsync-core");
    expect(item.status).toBe("would update");
    expect(item.diff).toMatch(/^- {4}max_cycles: 16$/m);
    expect(item.diff).toMatch(/^\+ {4}max_cycles: 15$/m);
    expect(report.items.filter((i: { status: string }) => i.status === "unchanged")).toHaveLength(
      4,
    );
    expect(report.dry_run).toBe(true);
    expect(report.requests).toBeGreaterThan(0);
  });

  it("finishes a run that failed half-way without duplicating items, consumers or triggers", async () => {
    const gl = await gitlab();
    // A write GitLab may have applied is never retried: the item fails, the rest carry on.
    gl.fail({
      operation: "EnvsyncConsumerCreate",
      times: 1,
      respond: { status: 500, body: { message: "500 Internal Server Error" } },
    });
    gl.fail({ operation: "EnvsyncFlowCreate", times: 1, respond: { status: 500 } });
    const first = await run(gl);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/failed/);
    expect(gl.state.items.length).toBeLessThan(5);

    const second = await run(gl);
    expect(second.code).toBe(0);
    expect(gl.state.items).toHaveLength(5);
    expect(gl.state.consumers).toHaveLength(20);
    const targets = gl.state.consumers.map(
      (c) => `${c.itemId}:${c.groupId ?? ""}:${c.projectId ?? ""}`,
    );
    expect(new Set(targets).size).toBe(targets.length);

    const third = await run(gl);
    expect(third.out.match(/(flow|agent)\s+unchanged/g)).toHaveLength(5);
  });

  it("pages through catalog listings", async () => {
    const gl = await gitlab({ pageSize: 2 });
    await run(gl);
    const again = await run(gl);
    expect(again.code).toBe(0);
    expect(gl.state.items).toHaveLength(5);
    expect(gl.state.consumers).toHaveLength(20);
  });

  it("sends `public` to GitLab 18.9 and `visibility` to 19.2+, told apart by the version it reports", async () => {
    for (const visibility of [false, true]) {
      const gl = await gitlab({ visibility });
      const result = await run(gl);
      expect(result.err).not.toContain("failed");
      expect(result.code).toBe(0);
      expect(gl.state.items.every((i) => i.visibility === "PRIVATE")).toBe(true);
      expect(gl.requests({ path: "/api/v4/metadata" })).toHaveLength(1);
      await gl.stop();
    }
  });

  it("refuses an instance version that is not a version string, as GitLab's answer, not as a bug (#22)", async () => {
    for (const version of [19, null, "banana", "19.4\n/close", ["19.4.1"]]) {
      const gl = await gitlab();
      gl.route("GET", /^\/api\/v4\/metadata$/, () => ({ status: 200, body: { version } }));
      const result = await run(gl);
      expect(result.code, JSON.stringify(version)).toBe(1);
      expect(result.err).toContain("GET /metadata");
      expect(result.err).toContain("unexpected answer at version");
      expect(result.err).not.toContain("bug");
      expect(gl.state.items).toEqual([]);
      await gl.stop();
    }
  });

  it("maps the assistant's tools to built-in tool ids by name, reading every page", async () => {
    const gl = await gitlab({ pageSize: 2 });
    const result = await run(gl);
    expect(result.code).toBe(0);
    const agent = gl.state.items.find((i) => i.itemType === "AGENT")!;
    const names = agent.versions[0]!.toolIds!.map(
      (id) => gl.state.builtInTools.find((t) => t.id === id)!.name,
    );
    expect(names).toContain("get_repository_file");
    expect(names).not.toContain("gitlab_api_get");
    expect(gl.requests({ operation: "EnvsyncBuiltInTools" }).length).toBeGreaterThan(1);
  });

  it("says which tools GitLab hides from agents and what to do, when the assistant needs them", async () => {
    const gl = await gitlab();
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(
      config,
      readFileSync(CONFIG, "utf8").replace(/(catalog:\n)/, "$1  generic_api_tools: true\n"),
    );
    expect((await envsyncIn({}, "build", "-c", config, "-o", join(dir, "flows"))).code).toBe(0);
    const refused = await run(gl, { config, dir: join(dir, "flows") });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "this GitLab offers catalog agents no built-in tool named 'gitlab_api_get', 'gitlab_graphql'",
    );
    expect(refused.err).toContain("use_generic_gitlab_api_tools feature flag");
    await gl.stop();
    const flagged = await gitlab({ genericApiTools: true });
    expect((await run(flagged, { config, dir: join(dir, "flows") })).code).toBe(0);
  });
});

describe("envsync publish when GitLab misbehaves", () => {
  it("honours retry-after on 429", async () => {
    const gl = await gitlab();
    gl.fail({
      operation: "EnvsyncCatalogItems",
      respond: { status: 429, headers: { "retry-after": "7" }, body: { message: "Retry later" } },
    });
    const result = await run(gl);
    expect(result.code).toBe(0);
    expect(result.sleeps).toContain(7000);
    expect(result.err).toMatch(/retrying POST \/api\/graphql in 7s \(HTTP 429, attempt 1\)/);
  });

  it("retries a read after 500s, with growing backoff", async () => {
    const gl = await gitlab();
    gl.fail({ method: "GET", path: "/api/v4/groups/acme", times: 2, respond: { status: 500 } });
    const result = await run(gl);
    expect(result.code).toBe(0);
    expect(result.sleeps.slice(0, 2)).toEqual([500, 1000]);
    expect(gl.requests({ path: "/api/v4/groups/acme" }).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
  });

  it("gives up on a read after the last retry with the status and request id", async () => {
    const gl = await gitlab();
    gl.fail({ method: "GET", path: "/api/v4/groups/acme", times: 10, respond: { status: 503 } });
    const result = await run(gl);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /error: GitLab GET \/api\/v4\/groups\/acme: HTTP 503 after 5 attempts: 503 injected \[request id [0-9a-f-]+\]/,
    );
  });

  it("times out a hanging read and retries it; a hanging write fails its item and a re-run converges", async () => {
    const gl = await gitlab();
    gl.fail({ method: "GET", path: "/api/v4/projects/acme%2Fenvsync-flows", respond: "hang" });
    gl.fail({ operation: "EnvsyncAgentCreate", respond: "hang" });
    const result = await run(gl, {}, { policy: { timeoutMs: 300 } });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      "retrying GET /api/v4/projects/acme%2Fenvsync-flows in 0.5s (no answer within 0.3s, attempt 1)",
    );
    expect(result.out).toMatch(/envsync-assistant\s+agent\s+failed.*no answer within 0\.3s/);
    const rerun = await run(gl, {}, { policy: { timeoutMs: 300 } });
    expect(rerun.code).toBe(0);
    expect(gl.state.items).toHaveLength(5);
  });

  it("turns a GraphQL errors array into a clear message", async () => {
    const gl = await gitlab();
    gl.fail({
      operation: "EnvsyncCatalogItems",
      times: 5,
      respond: {
        status: 200,
        body: {
          errors: [
            {
              message: "Field 'aiCatalogItems' doesn't exist on type 'Query'",
              path: ["aiCatalogItems"],
            },
          ],
        },
      },
    });
    const result = await run(gl);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      "GraphQL EnvsyncCatalogItems: Field 'aiCatalogItems' doesn't exist on type 'Query' (at aiCatalogItems)",
    );
  });

  it("reports a project that does not exist with GitLab's 404 message", async () => {
    const gl = await gitlab();
    gl.state.projects = gl.state.projects.filter((p) => p.fullPath !== "acme/search");
    const result = await run(gl);
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      "error: GitLab GET /api/v4/projects/acme%2Fsearch: not found (404): 404 Project Not Found",
    );
    expect(result.err).toContain("hint: check the path in envsync.yaml");
  });

  it("refuses to publish flows/ that do not match the config, before any request", async () => {
    const gl = await gitlab();
    const dir = join(tempDir(), "flows");
    cpSync(FLOWS, dir, { recursive: true });
    writeFileSync(join(dir, "envsync-core.yml"), "version: v1\n");
    const result = await run(gl, { dir });
    expect(result.code).toBe(1);
    expect(result.err).toContain("envsync-core.yml is stale");
    expect(result.err).toContain("run `envsync build");
    expect(gl.log).toEqual([]);
  });
});

describe("envsync publish and the token", () => {
  it("fails without a token, saying so and how to get one, after checking the config", async () => {
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_URL: "https://gitlab.acme.example" }) },
      ...["publish", "-c", CONFIG, "--dir", FLOWS, "--json"],
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("error: no GitLab token: set GITLAB_TOKEN");
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "gitlab-no-token" } });
  });

  it("names the scope needed when no token is set", async () => {
    const gl = await gitlab();
    const result = await run(
      gl,
      {},
      { env: testEnv({ GITLAB_URL: gl.url, CI_JOB_TOKEN: "job-token" }) },
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("error: no GitLab token: set GITLAB_TOKEN");
    expect(result.err).toContain("with the 'api' scope");
    expect(gl.log).toEqual([]);
  });
});

describe("envsync publish --dry-run when the catalog cannot be asked", () => {
  const ITEMS = [
    "envsync-core",
    "envsync-pipeline-doctor",
    "envsync-rollback-guardian",
    "envsync-conflict-resolver",
    "envsync-assistant",
  ];
  const TARGETS = [
    "group acme",
    "project acme/shop",
    "project acme/payments",
    "project acme/search",
  ];

  async function dryRun(env: Env, options: { json?: boolean; fetch?: typeof fetch } = {}) {
    const sleeps: number[] = [];
    const result = await envsyncIn(
      {
        env,
        http: {
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
          ...(options.fetch ? { fetch: options.fetch } : {}),
        },
      },
      ...["publish", "-c", CONFIG, "--dir", FLOWS, "--dry-run"],
      ...(options.json ? ["--json"] : []),
    );
    return { ...result, sleeps };
  }

  /** Each item of the local build, every consumer `not compared`. */
  function expectLocalPlan(report: { items: { name: string; status: string }[] }) {
    expect(report.items.map((i) => i.name).sort()).toEqual([...ITEMS].sort());
    for (const item of report.items)
      expect(item).toEqual({
        name: item.name,
        kind: item.name === "envsync-assistant" ? "agent" : "flow",
        status: "not compared",
        consumers: TARGETS.map((target) => ({ target, status: "not compared" })),
      });
  }

  it("without a token, shows the plan from the local build and why it was not compared, exit 3", async () => {
    const env = testEnv({ GITLAB_URL: "https://gitlab.acme.example" });
    const text = await dryRun(env);
    expect(text.code).toBe(3);
    for (const name of ITEMS)
      expect(text.out).toMatch(
        new RegExp(`^${name}\\s+(flow|agent)\\s+not compared\\s+4 not compared\\s+-$`, "m"),
      );
    expect(text.out).toContain(
      "not compared with the catalog: no GitLab token: set GITLAB_TOKEN\n",
    );
    expect(text.out).toContain(
      "  hint: create a personal, project or group access token with the 'api' scope",
    );
    expect(text.out).toContain(
      `the plan above is from ${FLOWS} alone; once EnvSync can ask the catalog at https://gitlab.acme.example, --dry-run shows what would change`,
    );
    expect(text.err).toBe("");

    const data = await dryRun(env, { json: true });
    expect(data.code).toBe(3);
    const report = JSON.parse(data.out);
    expect(report).toMatchObject({
      dry_run: true,
      compared: false,
      host: "https://gitlab.acme.example",
      requests: 0,
      reason: { code: "gitlab-no-token", message: "no GitLab token: set GITLAB_TOKEN" },
    });
    expect(report.reason.hint).toContain("export it as GITLAB_TOKEN");
    expectLocalPlan(report);
  });

  it("with only CI_JOB_TOKEN, which cannot publish, shows the local plan and says so", async () => {
    const result = await dryRun(
      testEnv({ GITLAB_URL: "https://gitlab.acme.example", CI_JOB_TOKEN: "job-token-12345678" }),
      { json: true },
    );
    expect(result.code).toBe(3);
    const report = JSON.parse(result.out);
    expect(report.reason.code).toBe("gitlab-no-token");
    expect(report.reason.hint).toContain("CI_JOB_TOKEN cannot do this");
  });

  it("when GITLAB_URL's host does not resolve, shows the local plan after one attempt, no retry", async () => {
    const env = testEnv({
      GITLAB_TOKEN: "glpat-dns-test-token",
      GITLAB_URL: "https://gitlab.acme.example",
    });
    const dns = failingLookup("ENOTFOUND");
    const text = await dryRun(env, { fetch: dns.fetch });
    expect(text.code).toBe(3);
    expect(dns.lookups).toEqual(["gitlab.acme.example"]);
    expect(text.sleeps).toEqual([]);
    expect(text.err).not.toContain("retrying");
    expect(text.out).toContain(
      "not compared with the catalog: cannot reach https://gitlab.acme.example: gitlab.acme.example does not resolve (ENOTFOUND)\n" +
        "  hint: check GITLAB_URL",
    );
    expect(text.out.match(/not compared {2}4 not compared/g)).toHaveLength(5);

    const json = failingLookup("ENOTFOUND");
    const data = await dryRun(env, { json: true, fetch: json.fetch });
    expect(data.code).toBe(3);
    expect(json.lookups).toHaveLength(1);
    const report = JSON.parse(data.out);
    expect(report).toMatchObject({
      compared: false,
      requests: 1,
      reason: { code: "gitlab-unreachable" },
    });
    expect(report.reason.message).toContain("(ENOTFOUND)");
    expect(report.reason.hint).toContain("check GITLAB_URL");
    expectLocalPlan(report);
  });

  it("a publish (not a dry run) to a host that does not resolve fails at once", async () => {
    const dns = failingLookup("ENOTFOUND");
    const result = await envsyncIn(
      {
        env: testEnv({
          GITLAB_TOKEN: "glpat-dns-test-token",
          GITLAB_URL: "https://gitlab.acme.example",
        }),
        http: { fetch: dns.fetch, sleep: () => Promise.resolve() },
      },
      ...["publish", "-c", CONFIG, "--dir", FLOWS],
    );
    expect(result.code).toBe(1);
    expect(dns.lookups).toHaveLength(1);
    expect(result.err).toContain(
      "cannot reach https://gitlab.acme.example: gitlab.acme.example does not resolve (ENOTFOUND)",
    );
    expect(result.err).toContain("hint: check GITLAB_URL");
  });

  it("when GitLab refuses the token, shows the local plan and says the token was rejected", async () => {
    const gl = await gitlab();
    const secret = "glpat-refused-token-0123";
    const result = await dryRun(testEnv({ GITLAB_TOKEN: secret, GITLAB_URL: gl.url }), {
      json: true,
    });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.out);
    expect(report.reason).toMatchObject({
      code: "gitlab-unauthorized",
      message: "the token was rejected (401 Unauthorized)",
    });
    expectLocalPlan(report);
    expect(result.out + result.err).not.toContain(secret);
    expect(mutationsSent(gl)).toEqual([]);
  });

  it("still fails on what GitLab answered that is not about reaching it (a missing catalog project)", async () => {
    const gl = await gitlab();
    gl.state.projects = gl.state.projects.filter((p) => p.fullPath !== "acme/envsync-flows");
    const result = await run(gl, { dryRun: true });
    expect(result.code).toBe(1);
    expect(result.err).toContain("not found (404)");
    expect(result.out).not.toContain("not compared");
  });
});

describe("envsync publish --dry-run checks envsync.yaml and flows/ before anything about tokens", () => {
  const noToken = { env: testEnv({ GITLAB_URL: "https://gitlab.acme.example" }) };

  it("reports an invalid envsync.yaml, and nothing about a token", async () => {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(
      config,
      readFileSync(CONFIG, "utf8").replace("  public: false", "  publc: false"),
    );
    const result = await envsyncIn(noToken, "publish", "-c", config, "--dir", FLOWS, "--dry-run");
    expect(result.code).toBe(1);
    expect(result.err).toContain("unknown key 'publc' (at catalog.publc)");
    expect(result.err + result.out).not.toMatch(/token/i);
  });

  it("reports a config without catalog.group, and nothing about a token", async () => {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, readFileSync(CONFIG, "utf8").replace("  group: acme\n", ""));
    for (const dry of [["--dry-run"], []]) {
      const result = await envsyncIn(noToken, "publish", "-c", config, "--dir", FLOWS, ...dry);
      expect(result.code).toBe(1);
      expect(result.err).toContain("error: envsync.yaml has no catalog.group");
      expect(result.err + result.out).not.toMatch(/token/i);
    }
  });

  it("reports a --release that is not a version, and nothing about a token", async () => {
    const result = await envsyncIn(
      noToken,
      ...["publish", "-c", CONFIG, "--dir", FLOWS, "--dry-run", "--release", "next"],
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain("--release 'next' is not a version like 1.2.3");
    expect(result.err).not.toMatch(/token/i);
  });

  it("reports flows/ that do not match envsync.yaml instead of a plan", async () => {
    const dir = join(tempDir(), "flows");
    cpSync(FLOWS, dir, { recursive: true });
    writeFileSync(join(dir, "envsync-core.yml"), "version: v1\n");
    const result = await envsyncIn(noToken, "publish", "-c", CONFIG, "--dir", dir, "--dry-run");
    expect(result.code).toBe(1);
    expect(result.err).toContain("envsync-core.yml is stale");
    expect(result.out).not.toContain("not compared");
    expect(result.err).not.toMatch(/token/i);
  });
});

describe("envsync publish where envsync.yaml names no project", () => {
  it("enables the flows in the project of the repository envsync.yaml is in (its origin)", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    repo.git("remote", "add", "origin", "git@gitlab.acme.example:acme/shop.git");
    const config = join(repo.dir, "envsync.yaml");
    writeFileSync(
      config,
      "version: 1\nenvironments:\n  staging: { branch: staging }\n  production: { branch: main }\n" +
        "catalog: { group: acme, project: acme/envsync-flows }\n",
    );
    const flows = join(repo.dir, "flows");
    expect((await envsyncIn({}, "build", "-c", config, "-o", flows)).code).toBe(0);
    const result = await envsyncIn(
      { env: testEnv() },
      ...["publish", "-c", config, "--dir", flows, "--dry-run", "--json"],
    );
    const report = JSON.parse(result.out) as { items: { consumers: { target: string }[] }[] };
    expect(report.items[0]!.consumers.map((c) => c.target)).toEqual([
      "group acme",
      "project acme/shop",
    ]);
  });
});
