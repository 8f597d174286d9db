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
  args: { env?: string; to?: string; toDeployment?: number; yaml?: string } = {},
  env: Record<string, string> = {},
) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, args.yaml ?? YAML);
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

/** The same environments with rollback.migrations.paths left to its default. */
const DEFAULT_PATHS = YAML.slice(0, YAML.indexOf("rollback:"));

const DBMATE_DROP =
  "-- migrate:up\nALTER TABLE users DROP COLUMN age;\n\n-- migrate:down\nALTER TABLE users ADD COLUMN age integer;\n";
const DJANGO_REMOVE = `from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="order",
            name="coupon",
        ),
    ]
`;
const LARAVEL_DROP = `<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    public function up(): void
    {
        Schema::table('users', function (Blueprint $table) {
            $table->dropColumn('age');
        });
    }

    public function down(): void
    {
        Schema::table('users', function (Blueprint $table) {
            $table->integer('age')->nullable();
        });
    }
};
`;
const EF_DROP = `using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shop.Migrations
{
    public partial class RemoveUserAge : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Age",
                table: "Users");
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(name: "Age", table: "Users", nullable: true);
        }
    }
}
`;

describe("envsync rollback-check with the default migration paths", () => {
  it("finds dbmate, Django, Laravel and EF Core migrations and blocks on their drops, naming each line", async () => {
    const { repo, release1 } = mainRepo();
    repo.commit("Drop columns", {
      "db/migrations/20240102120000_drop_age.sql": DBMATE_DROP,
      "shop/migrations/0002_remove_order_coupon.py": DJANGO_REMOVE,
      "database/migrations/2024_01_02_000000_drop_user_age.php": LARAVEL_DROP,
      "src/Shop/Migrations/20240102120000_RemoveUserAge.cs": EF_DROP,
      // EF Core's metadata beside the migration: not migrations themselves.
      "src/Shop/Migrations/20240102120000_RemoveUserAge.Designer.cs":
        '[Migration("20240102120000_RemoveUserAge")]\npartial class RemoveUserAge { }\n',
      "src/Shop/Migrations/ShopContextModelSnapshot.cs":
        "partial class ShopContextModelSnapshot { }\n",
      // Ordinary source, even with migration-like words in it, is not read as a migration.
      "shop/models.py": "class Order:\n    def upgrade(self):\n        pass\n",
      "shop/migrations/__init__.py": "",
    });
    const { code, report } = await check(repo, { to: release1, yaml: DEFAULT_PATHS });
    expect(code).toBe(3);
    expect(report!.risk).toBe("blocked");
    const found = report!.migrations.map((m) => [m.path, m.framework, m.classification, m.line]);
    expect(found).toEqual([
      ["database/migrations/2024_01_02_000000_drop_user_age.php", "laravel", "irreversible", 12],
      ["db/migrations/20240102120000_drop_age.sql", "sql", "irreversible", 2],
      ["shop/migrations/0002_remove_order_coupon.py", "django", "irreversible", 11],
      ["src/Shop/Migrations/20240102120000_RemoveUserAge.cs", "efcore", "irreversible", 11],
    ]);
    expect(report!.reasons).toContain(
      "irreversible migration db/migrations/20240102120000_drop_age.sql:2: drops or truncates: `ALTER TABLE users DROP COLUMN age;`",
    );
    expect(report!.migrations.every((m) => !m.outside_paths)).toBe(true);
  });

  it("pairs a golang-migrate up file with the .down.sql already in the tree, and never flags a down file", async () => {
    const repo = new TestRepo();
    repo.commit("base", {
      "db/migrations/000001_create_users.up.sql": "CREATE TABLE users (id int, active boolean);\n",
      "db/migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
      "db/migrations/000002_backfill.up.sql": "SELECT 1;\n",
      "db/migrations/000002_backfill.down.sql": "UPDATE users SET active = NULL;\n",
    });
    repo.git("branch", "-M", "staging");
    const first = repo.head();
    repo.commit("Backfill, and a new pair", {
      // Changed; its down file is not: it pairs with the one at the deployed revision.
      "db/migrations/000002_backfill.up.sql": "UPDATE users SET active = true;\n",
      "db/migrations/000003_orders.up.sql": "CREATE TABLE orders (id int);\n",
      "db/migrations/000003_orders.down.sql": "DROP TABLE orders;\n",
      // A down file changed alone is the way back of a migration already run at the target.
      "db/migrations/000001_create_users.down.sql": "DROP TABLE IF EXISTS users;\n",
    });
    const { code, report } = await check(repo, { env: "staging", to: first, yaml: DEFAULT_PATHS });
    expect(code).toBe(0);
    expect(report!.risk).toBe("medium");
    expect(report!.migrations).toEqual([
      expect.objectContaining({
        path: "db/migrations/000002_backfill.up.sql",
        classification: "reversible",
        reason: "paired with undo migration db/migrations/000002_backfill.down.sql",
      }),
      expect.objectContaining({
        path: "db/migrations/000003_orders.up.sql",
        classification: "reversible",
        reason: "paired with undo migration db/migrations/000003_orders.down.sql",
      }),
    ]);
  });

  it("reports a DROP COLUMN added to SQL outside the paths, and a migration found there by content; never low", async () => {
    const repo = new TestRepo();
    repo.commit("base", {
      "sql/maintenance.sql": "-- run by hand\nVACUUM users;\n",
      "sql/reports.sql": "SELECT count(*) FROM users;\n",
      "sql/teardown.sql": "DROP TABLE scratch;\n",
    });
    repo.git("branch", "-M", "staging");
    const first = repo.head();
    repo.commit("Maintenance", {
      "sql/maintenance.sql": "-- run by hand\nVACUUM users;\nALTER TABLE users DROP COLUMN age;\n",
      // Additive SQL, and an edit beside a DROP that was there before: nothing to report.
      "sql/reports.sql": "SELECT count(*) FROM users;\nSELECT count(*) FROM orders;\n",
      "sql/teardown.sql": "-- scratch only\nDROP TABLE scratch;\n",
      "services/api/schema/20240101_add_nick.sql":
        "-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n-- migrate:down\nALTER TABLE users DROP COLUMN nick;\n",
    });
    const { code, report } = await check(repo, { env: "staging", to: first, yaml: DEFAULT_PATHS });
    expect(code).toBe(3);
    expect(report!.risk).toBe("blocked");
    expect(report!.migrations).toEqual([
      {
        path: "services/api/schema/20240101_add_nick.sql",
        framework: "sql",
        classification: "reversible",
        reason: "has a down section: `-- migrate:down`",
        line: 3,
        outside_paths: true,
        hint: 'add "services/api/schema/**" to rollback.migrations.paths',
      },
      {
        path: "sql/maintenance.sql",
        framework: "sql",
        classification: "irreversible",
        reason: "adds SQL that drops or truncates: `ALTER TABLE users DROP COLUMN age;`",
        line: 3,
        outside_paths: true,
        hint: 'add "sql/**" to rollback.migrations.paths',
      },
    ]);
    expect(report!.reasons).toContain(
      "irreversible migration sql/maintenance.sql:3 (outside rollback.migrations.paths): adds SQL that drops or truncates: `ALTER TABLE users DROP COLUMN age;`",
    );

    // Without the DROP, the migration found by content still keeps the risk above low.
    repo.commit("No maintenance", { "sql/maintenance.sql": null });
    const additive = await check(repo, { env: "staging", to: first, yaml: DEFAULT_PATHS });
    expect(additive.report).toMatchObject({
      risk: "medium",
      migrations: [{ path: "services/api/schema/20240101_add_nick.sql", outside_paths: true }],
    });
    expect(additive.report!.reasons).toContain(
      'services/api/schema/20240101_add_nick.sql found outside rollback.migrations.paths: add "services/api/schema/**" to rollback.migrations.paths',
    );
  });

  it("names the file and line in the text report too", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "sql/maintenance.sql": "VACUUM users;\n" });
    repo.git("branch", "-M", "staging");
    const first = repo.head();
    repo.commit("Drop", {
      "sql/maintenance.sql": "VACUUM users;\nALTER TABLE users DROP COLUMN age;\n",
    });
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, DEFAULT_PATHS);
    const { code, out } = await envsyncIn(
      { env: testEnv() },
      ...["rollback-check", "-c", config, "--env", "staging", "-C", repo.dir, "--to", first],
    );
    expect(code).toBe(3);
    expect(out).toContain("rollback staging: risk BLOCKED");
    expect(out).toContain(
      "    irreversible sql/maintenance.sql:2  adds SQL that drops or truncates: `ALTER TABLE users DROP COLUMN age;`  (outside rollback.migrations.paths)",
    );
    expect(out).toContain(
      '    - sql/maintenance.sql found outside rollback.migrations.paths: add "sql/**" to rollback.migrations.paths',
    );
  });

  it("still sees a migration that was moved into the migrations folder (a rename to git)", async () => {
    const drop =
      "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    drop_table :legacy\n  end\nend\n";
    const repo = new TestRepo();
    repo.commit("base", { "drafts/drop_legacy.rb": drop });
    repo.git("branch", "-M", "staging");
    const first = repo.head();
    repo.commit("Schedule the drop", {
      "drafts/drop_legacy.rb": null,
      "db/migrate/20261105_drop_legacy.rb": drop,
    });
    // git itself sees a rename here.
    expect(repo.git("diff", "--name-status", first, "HEAD")).toMatch(/^R100/);
    const { code, report } = await check(repo, { env: "staging", to: first, yaml: DEFAULT_PATHS });
    expect(code).toBe(3);
    expect(report!.migrations).toEqual([
      expect.objectContaining({
        path: "db/migrate/20261105_drop_legacy.rb",
        classification: "irreversible",
        line: 3,
      }),
    ]);
  });
});
