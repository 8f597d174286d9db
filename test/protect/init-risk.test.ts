import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

describe("envsync init proposes risk levels from GitLab's protection", () => {
  it("gives each protected environment branch the level closest to who may push today", async () => {
    standin = await new GitLabStandin().start();
    const project = standin.state.addProject("acme/shop");
    standin.route("GET", /^\/api\/v4\/projects\/[^/]+\/environments$/, () => ({
      status: 200,
      body: [],
    }));
    standin.protection.addBranch(project.id, "develop", { push: [30], merge: [30] });
    // A wildcard lets developers push to staging: GitLab applies the most open rule.
    standin.protection.addBranch(project.id, "staging", { push: [40] });
    standin.protection.addBranch(project.id, "stag*", { push: [30] });
    standin.protection.addBranch(project.id, "preprod", {
      push: [40],
      extraPush: [{ access_level: 40, deploy_key_id: 3 }],
    });
    standin.protection.addBranch(project.id, "main", {
      push: [0],
      extraPush: [{ access_level: 40, deploy_key_id: 3 }],
    });
    const repo = new TestRepo();
    repo.commit("base");
    for (const b of ["main", "staging", "preprod", "qa"]) repo.git("branch", b);
    const env = testEnv({
      GITLAB_TOKEN: standin.token,
      GITLAB_URL: standin.url,
      CI_PROJECT_PATH: "acme/shop",
    });
    const result = await envsyncIn({ env }, "init", "-C", repo.dir, "--yes", "--json");
    expect(result.code).toBe(0);
    const { environments } = JSON.parse(result.out) as {
      environments: { name: string; risk?: string }[];
    };
    expect(Object.fromEntries(environments.map((e) => [e.name, e.risk ?? null]))).toEqual({
      dev: "low",
      qa: null,
      staging: "low",
      preprod: "medium",
      production: "high",
    });
    const text = readFileSync(join(repo.dir, "envsync.yaml"), "utf8");
    expect(text).toContain("production: { branch: main, protected: true, risk: high }");
    expect(text).toContain("risk: the protection level closest to who may push in GitLab today");

    // What init proposes is what GitLab has for pushing: protect changes no push level.
    const check = await envsyncIn(
      { env },
      ...["protect", "-c", join(repo.dir, "envsync.yaml"), "-C", repo.dir, "--dry-run", "--json"],
    );
    const plan = JSON.parse(check.out) as {
      changes: { target: string; fields: { field: string }[] }[];
    };
    const pushChanges = plan.changes.flatMap((c) =>
      c.fields.filter((f) => f.field === "push").map(() => c.target),
    );
    expect(pushChanges).toEqual(["protected branch staging"]);
  });
});
