import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RollbackAssessment } from "../../src/rollback/assess.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true, gitlab_environment: prod }
rollback:
  migrations:
    paths: ["db/migrate/**"]
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function check(
  repo: TestRepo,
  args: { env?: string; to?: string; toDeployment?: number } = {},
  env: Record<string, string> = {},
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
  const argv = ["rollback-check", "-c", config, "--env", args.env ?? "production"];
  argv.push("-C", repo.dir, "--json");
  if (args.to) argv.push("--to", args.to);
  if (args.toDeployment) argv.push("--to-deployment", String(args.toDeployment));
  const { code, out, err } = await envsyncIn({ env: testEnv(env) }, ...argv);
  return { code, report: out ? (JSON.parse(out) as RollbackAssessment) : undefined, err };
}

function mainRepo(): { repo: TestRepo; release1: string } {
  const repo = new TestRepo();
  repo.commit("base", { "app.rb": "v1\n" });
  repo.git("branch", "-M", "main");
  return { repo, release1: repo.head() };
}

describe("envsync rollback-check", () => {
  it("rates a rollback over a reversible migration as medium, with the confirmation the policy needs", async () => {
    const { repo, release1 } = mainRepo();
    repo.commit("Add users", {
      "db/migrate/20261101_create_users.rb":
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n  end\nend\n",
    });
    repo.commit("Feature", { "app.rb": "v2\n" });
    const { code, report } = await check(repo, { to: release1 });
    expect(code).toBe(0);
    expect(report).toMatchObject({
      environment: "production",
      gitlab_environment: "prod",
      deployed: { sha: repo.head(), source: "branch head" },
      target: { sha: release1, source: "given" },
      commits_between: 2,
      risk: "medium",
      confirmation_required: "confirm production",
    });
    expect(report!.migrations).toEqual([
      expect.objectContaining({
        path: "db/migrate/20261101_create_users.rb",
        framework: "rails",
        classification: "reversible",
      }),
    ]);
  });

  it("blocks a rollback over an irreversible migration (exit 3) and names the line", async () => {
    const { repo, release1 } = mainRepo();
    repo.commit("Drop legacy", {
      "db/migrate/20261102_drop_legacy.rb":
        "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    drop_table :legacy\n  end\nend\n",
    });
    const { code, report } = await check(repo, { to: release1 });
    expect(code).toBe(3);
    expect(report!.risk).toBe("blocked");
    expect(report!.reasons[0]).toBe(
      "irreversible migration db/migrate/20261102_drop_legacy.rb:3: drops or changes existing data: `drop_table :legacy`",
    );
  });

  it("is low risk without migrations on an unprotected environment", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "1\n" });
    repo.git("branch", "-M", "staging");
    const first = repo.head();
    repo.commit("Change", { "a.txt": "2\n" });
    const { report } = await check(repo, { env: "staging", to: first });
    expect(report).toMatchObject({
      risk: "low",
      confirmation_required: null,
      commits_between: 1,
      migrations: [],
    });
  });

  it("reads what is deployed and the previous deployment from GitLab", async () => {
    const { repo, release1 } = mainRepo();
    repo.commit("Add column", {
      "db/migrate/20261103_add_age.rb":
        "class AddAge < ActiveRecord::Migration[7.1]\n  def up\n    add_column :users, :age, :integer\n  end\nend\n",
    });
    const release2 = repo.head();
    repo.commit("Not deployed yet", { "app.rb": "v3\n" });
    standin = await new GitLabStandin().start();
    const id = standin.state.addProject("acme/shop").id;
    standin.state.deployments.push(
      {
        projectId: id,
        id: 11,
        iid: 1,
        environment: "prod",
        ref: "main",
        sha: release1,
        status: "SUCCESS",
        createdAt: "2026-11-01T10:00:00Z",
        finishedAt: "2026-11-01T10:05:00Z",
      },
      {
        projectId: id,
        id: 12,
        iid: 2,
        environment: "prod",
        ref: "main",
        sha: release2,
        status: "SUCCESS",
        createdAt: "2026-11-10T10:00:00Z",
        finishedAt: "2026-11-10T10:05:00Z",
      },
      {
        projectId: id,
        id: 13,
        iid: 3,
        environment: "prod",
        ref: "main",
        sha: repo.head(),
        status: "FAILED",
        createdAt: "2026-11-20T10:00:00Z",
        finishedAt: "2026-11-20T10:05:00Z",
      },
    );
    const env = { GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url };
    const { code, report } = await check(repo, {}, env);
    expect(report).toMatchObject({
      deployed: { sha: release2, source: "deployment", deployment_id: 12 },
      target: { sha: release1, source: "previous deployment", deployment_id: 11 },
      commits_between: 1,
      risk: "blocked",
    });
    expect(report!.migrations[0]).toMatchObject({
      classification: "irreversible",
      reason: expect.stringContaining("`up` without `down`"),
    });
    expect(code).toBe(3);
    expect((await check(repo, { toDeployment: 11 }, env)).report!.target).toMatchObject({
      source: "deployment",
      deployment_id: 11,
    });
  });

  it.each([
    [
      "a target that is not an ancestor",
      (r: TestRepo) => {
        r.checkout("side", { from: "main" });
        const side = r.commit("Side", { "s.txt": "s\n" });
        r.checkout("main");
        return { to: side };
      },
      /is not an ancestor of what is deployed/,
    ],
    [
      "no deployments known and no --to",
      () => ({}),
      /no previous successful deployment of prod is known[\s\S]*hint: pass --to SHA/,
    ],
    [
      "an unknown environment",
      () => ({ env: "prod" }),
      /'prod' is not an environment in the config[\s\S]*did you mean 'production'\?/,
    ],
  ])("rejects %s as a usage error (exit 2)", async (_name, setup, message) => {
    const { repo } = mainRepo();
    repo.commit("More", { "app.rb": "v9\n" });
    const result = await check(repo, setup(repo));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
