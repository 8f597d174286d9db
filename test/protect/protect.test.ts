import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const YAML = `version: 1
project: acme/shop
environments:
  dev: { branch: develop, risk: low }
  staging: { branch: staging, risk: medium }
  production:
    branch: main
    risk: high
`;

async function start(options: StandinOptions = {}) {
  standin = await new GitLabStandin(options).start();
  const project = standin.state.addProject("acme/shop");
  return { standin, project, protection: standin.protection };
}

function configFile(yaml = YAML): string {
  const file = join(tempDir(), "envsync.yaml");
  writeFileSync(file, yaml);
  return file;
}

function run(s: GitLabStandin, file: string, ...args: string[]) {
  return envsyncIn(
    { env: testEnv({ GITLAB_TOKEN: s.token, GITLAB_URL: s.url }) },
    "protect",
    "-c",
    file,
    "-C",
    join(file, ".."),
    ...args,
  );
}

const writes = (s: GitLabStandin) => s.log.filter((r) => r.method !== "GET");

interface PlanJson {
  premium: boolean;
  in_line: boolean;
  changes: { environment: string; action: string; target: string; request: unknown }[];
  findings: { environment: string; kind: string; message: string }[];
}

/**
 * GitLab as people left it: 105 other protected branches (main's rule is on the second page),
 * main open to developers with force push and a deploy key, develop as low risk wants it, a
 * wildcard `st*` that lets developers push to staging, production's environment deployable by
 * developers, and a group-wide approval rule of 3.
 */
async function mixedGitLab(options: StandinOptions = {}) {
  const s = await start(options);
  for (let i = 0; i < 105; i++) s.protection.addBranch(s.project.id, `feature/frozen-${i}`);
  s.protection.addBranch(s.project.id, "develop", { push: [30], merge: [30] });
  // GitLab Free keeps one role per list.
  const main = s.protection.addBranch(s.project.id, "main", {
    push: options.tier === "free" ? [30] : [30, 40],
    merge: [30],
    allow_force_push: true,
    extraPush: [{ access_level: 40, deploy_key_id: 7 }],
  });
  s.protection.addBranch(s.project.id, "st*", { push: [30], merge: [40] });
  if (options.tier !== "free") {
    s.protection.addEnvironment(s.project.id, "production", [30]);
    s.protection.addApprovalRule({
      projectId: s.project.id,
      name: "Security",
      approvals_required: 3,
      protected_branch_ids: [],
      applies_to_all_protected_branches: true,
    });
  }
  return { ...s, main };
}

describe("envsync protect", () => {
  it("plans the smallest change under --dry-run, as a diff, and writes nothing (exit 3)", async () => {
    const { standin: s } = await mixedGitLab();
    const file = configFile();

    const text = await run(s, file, "--dry-run");
    expect(text.err).toBe("");
    expect(text.code).toBe(3);
    expect(text.out).toContain("dev (branch develop, risk low): in line");
    expect(text.out).toMatch(
      /~ protected branch main\n\s+push\s+developers \+ maintainers \(\+1 user\/group\/deploy key\) → no one \(\+1 user\/group\/deploy key\)/,
    );
    expect(text.out).toMatch(/allow force push\s+true → false/);
    expect(text.out).toContain("+ protected branch staging");
    expect(text.out).toContain("6 changes to make; run without --dry-run to apply");

    const result = await run(s, file, "--dry-run", "--json");
    expect(result.code).toBe(3);
    const plan = JSON.parse(result.out) as PlanJson;
    expect(plan.premium).toBe(true);
    expect(plan.changes.map((c) => `${c.environment} ${c.action} ${c.target}`)).toEqual([
      "staging create protected branch staging",
      "staging create protected environment staging",
      'staging create approval rule "EnvSync: staging" on staging',
      "production update protected branch main",
      "production update protected environment production",
      'production create approval rule "EnvSync: production" on main',
    ]);
    // main's lists change by difference: the first role entry in place, the second removed, the
    // deploy key left alone.
    const mainPatch = plan.changes.find((c) => c.target === "protected branch main")!.request as {
      body: Record<string, unknown>;
    };
    const ids = s.protection.branches.find((b) => b.name === "main")!.push.map((e) => e.id);
    expect(mainPatch.body.allowed_to_push).toEqual([
      { id: ids[0], access_level: 0 },
      { id: ids[1], _destroy: true },
    ]);
    // No unprotect level is GitLab's default (maintainers), which is what high risk declares.
    expect(Object.keys(mainPatch.body).sort()).toEqual([
      "allow_force_push",
      "allowed_to_merge",
      "allowed_to_push",
      "code_owner_approval_required",
    ]);
    expect(mainPatch.body).toMatchObject({
      allow_force_push: false,
      code_owner_approval_required: true,
    });
    expect(plan.findings).toContainEqual(
      expect.objectContaining({ environment: "staging", kind: "override" }),
    );
    expect(
      plan.findings.find((f) => f.environment === "staging" && f.message.includes("st*")),
    ).toBeDefined();
    expect(plan.findings.some((f) => f.message.includes('"Security" asks 3 approvals'))).toBe(true);
    expect(writes(s)).toEqual([]);
    // Every page of protected branches was read: 106+ rules at 100 a page.
    expect(
      s.requests({ method: "GET", path: "/api/v4/projects/acme%2Fshop/protected_branches" }),
    ).toHaveLength(4);
  });

  it("applies the plan without a moment of lost protection, and a second run does nothing", async () => {
    const { standin: s, project, main } = await mixedGitLab();
    const file = configFile();
    const mainPushIds = main.push.map((e) => e.id);

    const applied = await run(s, file);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toContain("applied 6 of 6 changes");

    // No DELETE of anything; the branches that were protected stayed protected after every write,
    // and staging, once protected, stayed so.
    expect(s.log.filter((r) => r.method === "DELETE")).toEqual([]);
    const history = s.protection.history;
    expect(history.length).toBe(6);
    let stagingSeen = false;
    for (const step of history) {
      expect(step.protected).toEqual(expect.arrayContaining(["main", "develop", "st*"]));
      if (stagingSeen) expect(step.protected).toContain("staging");
      stagingSeen ||= step.protected.includes("staging");
    }
    expect(stagingSeen).toBe(true);

    const rule = s.protection.branches.find(
      (b) => b.name === "main" && b.projectId === project.id,
    )!;
    expect(rule.id).toBe(main.id);
    expect(rule.push).toEqual([
      { id: mainPushIds[0], access_level: 0 },
      { id: mainPushIds[2], access_level: 40, deploy_key_id: 7 },
    ]);
    expect(rule.merge.map((e) => e.access_level)).toEqual([40]);
    expect(rule.allow_force_push).toBe(false);
    expect(rule.code_owner_approval_required).toBe(true);
    const production = s.protection.environments.find((e) => e.name === "production")!;
    expect(production.deploy.map((e) => e.access_level)).toEqual([40]);
    expect(production.approvals).toEqual([
      expect.objectContaining({ access_level: 40, required_approvals: 1 }),
    ]);
    const envsyncRule = s.protection.approvalRules.find((r) => r.name === "EnvSync: production")!;
    expect(envsyncRule).toMatchObject({ approvals_required: 2, protected_branch_ids: [main.id] });
    const staging = s.protection.branches.find((b) => b.name === "staging")!;
    expect(s.protection.approvalRules.find((r) => r.name === "EnvSync: staging")).toMatchObject({
      approvals_required: 1,
      protected_branch_ids: [staging.id],
    });

    const before = writes(s).length;
    const again = await run(s, file, "--json");
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as PlanJson).in_line).toBe(true);
    const check = await run(s, file, "--dry-run");
    expect(check.code).toBe(0);
    expect(check.out).toContain("GitLab's protection is in line with envsync.yaml");
    expect(writes(s).length).toBe(before);
  });

  it("shows a rule someone changed by hand as drift under --dry-run, and puts it back", async () => {
    const { standin: s, main } = await mixedGitLab();
    const file = configFile();
    expect((await run(s, file)).code).toBe(0);
    // Someone opens main to developers and allows force push in GitLab's settings.
    const rule = s.protection.branches.find((b) => b.id === main.id)!;
    const pushRole = rule.push.find((e) => e.deploy_key_id === undefined)!;
    pushRole.access_level = 30;
    rule.allow_force_push = true;

    const drift = await run(s, file, "--dry-run", "--json");
    expect(drift.code).toBe(3);
    const plan = JSON.parse(drift.out) as PlanJson & {
      changes: { fields: { field: string; from: string; to: string }[] }[];
    };
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({
      environment: "production",
      action: "update",
      target: "protected branch main",
    });
    expect(plan.changes[0]!.fields.map((f) => `${f.field}: ${f.from} → ${f.to}`)).toEqual([
      "push: developers (+1 user/group/deploy key) → no one (+1 user/group/deploy key)",
      "allow force push: true → false",
    ]);

    expect((await run(s, file)).code).toBe(0);
    const fixed = s.protection.branches.find((b) => b.id === main.id)!;
    expect(fixed.push.find((e) => e.id === pushRole.id)!.access_level).toBe(0);
    expect(fixed.allow_force_push).toBe(false);
    expect((await run(s, file, "--dry-run")).code).toBe(0);
  });

  it("reports and skips what GitLab Free lacks, and applies the rest", async () => {
    const { standin: s, main } = await mixedGitLab({ tier: "free" });
    const file = configFile();

    const dry = await run(s, file, "--dry-run", "--json");
    expect(dry.code).toBe(3);
    const plan = JSON.parse(dry.out) as PlanJson;
    expect(plan.premium).toBe(false);
    expect(plan.changes.map((c) => c.target)).toEqual([
      "protected branch staging",
      "protected branch main",
    ]);
    const premium = plan.findings.filter((f) => f.kind === "premium");
    expect(premium.map((f) => f.environment)).toEqual(["staging", "production"]);
    expect(premium[1]!.message).toContain("code-owner approval");
    expect(premium[1]!.message).toContain("deployment approvals (1)");

    // The free stand-in refuses any Premium field: the apply succeeding shows none was sent.
    const applied = await run(s, file);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toContain("needs GitLab Premium");
    const rule = s.protection.branches.find((b) => b.id === main.id)!;
    expect(
      rule.push.filter((e) => e.deploy_key_id === undefined).map((e) => e.access_level),
    ).toEqual([0]);
    expect(rule.code_owner_approval_required).toBe(false);

    const again = await run(s, file, "--dry-run");
    expect(again.code).toBe(0);
  });

  it("leaves a branch the group's inherited rule protects to the group", async () => {
    const { standin: s, ...seed } = await start();
    seed.protection.addBranch(seed.project.id, "main", {
      push: [30],
      merge: [30],
      inherited: true,
    });
    seed.protection.addBranch(seed.project.id, "develop", { push: [30], merge: [30] });
    seed.protection.addBranch(seed.project.id, "staging", { push: [40], merge: [30] });
    const file = configFile();
    const result = await run(s, file, "--dry-run", "--json");
    const plan = JSON.parse(result.out) as PlanJson;
    expect(plan.changes.some((c) => c.target === "protected branch main")).toBe(false);
    expect(plan.changes.some((c) => c.target.includes("on main"))).toBe(false);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        environment: "production",
        kind: "override",
        message: expect.stringContaining("the group's inherited rule main") as string,
      }),
    );
  });

  it("stops between writes when interrupted, saying a re-run applies the rest (exit 130)", async () => {
    const { standin: s } = await mixedGitLab();
    const file = configFile();
    const controller = new AbortController();
    controller.abort();
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: s.token, GITLAB_URL: s.url }), signal: controller.signal },
      ...["protect", "-c", file, "-C", join(file, "..")],
    );
    expect(result.code).toBe(130);
    expect(result.err).toContain("interrupted after 0 of 6 changes");
    expect(result.err).toContain("run `envsync protect` again");
    expect(writes(s)).toEqual([]);
  });

  it("refuses CI_JOB_TOKEN before asking GitLab anything", async () => {
    const { standin: s } = await start();
    const file = configFile();
    const result = await envsyncIn(
      { env: testEnv({ CI_JOB_TOKEN: "job-token-12345678", GITLAB_URL: s.url }) },
      ...["protect", "-c", file, "-C", join(file, ".."), "--dry-run", "--json"],
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("CI_JOB_TOKEN cannot do this");
    expect(s.log).toEqual([]);
  });

  it("changes nothing with a read_api token: GitLab refuses the first write", async () => {
    const { standin: s } = await mixedGitLab({ scopes: ["read_api"] });
    const file = configFile();
    expect((await run(s, file, "--dry-run")).code).toBe(3);
    const result = await run(s, file);
    expect(result.code).toBe(1);
    expect(result.err).toContain("403");
    expect(s.protection.history).toEqual([]);
  });

  it("says so when no environment declares protection", async () => {
    const { standin: s } = await start();
    const file = configFile(
      "version: 1\nproject: acme/shop\nenvironments:\n  dev: { branch: develop }\n  production: { branch: main }\n",
    );
    const result = await run(s, file);
    expect(result.code).toBe(0);
    expect(result.out).toContain("nothing to protect");
    expect(s.log).toEqual([]);
  });
});
