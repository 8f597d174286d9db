import { describe, expect, it } from "vitest";
import {
  addedLines,
  classifyMigration,
  destructiveAddedSql,
  isCompanionFile,
  migrationByContent,
} from "../../src/rollback/migrations.js";

// Migrations as the frameworks' generators write them (TypeORM's migration:generate,
// sequelize-cli, artisan make:migration, dotnet ef migrations add, goose create).

const typeorm = (
  up: string,
  down: string,
) => `import { MigrationInterface, QueryRunner } from "typeorm";

export class UserAge1700000000000 implements MigrationInterface {
    name = "UserAge1700000000000";

    public async up(queryRunner: QueryRunner): Promise<void> {
${up}
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
${down}
    }
}
`;

const sequelize = (up: string, down: string) => `'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up (queryInterface, Sequelize) {
${up}
  },

  async down (queryInterface, Sequelize) {
${down}
  }
};
`;

const laravel = (up: string, down: string) => `<?php

use Illuminate\\Database\\Migrations\\Migration;
use Illuminate\\Database\\Schema\\Blueprint;
use Illuminate\\Support\\Facades\\Schema;

return new class extends Migration
{
    /**
     * Run the migrations.
     */
    public function up(): void
    {
${up}
    }

    /**
     * Reverse the migrations.
     */
    public function down(): void
    {
${down}
    }
};
`;

const efCore = (up: string, down: string) => `using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shop.Migrations
{
    /// <inheritdoc />
    public partial class RemoveUserAge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
${up}
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
${down}
        }
    }
}
`;

const goose = (register: string, up: string, down: string) => `package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

func init() {
	${register}
}

func upUserAge(ctx context.Context, tx *sql.Tx) error {
${up}
}

func downUserAge(ctx context.Context, tx *sql.Tx) error {
${down}
}
`;

type Case = [
  name: string,
  path: string,
  content: string,
  expected: "reversible" | "irreversible" | "unknown",
  reason: RegExp,
  line?: number,
];

/** The line of `text` in `content`, 1-based: where a finding must point. */
const lineOf = (content: string, text: string) =>
  content.split("\n").findIndex((l) => l.includes(text)) + 1;

const TYPEORM_DROP = typeorm(
  '        await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "age"`);',
  '        await queryRunner.query(`ALTER TABLE "user" ADD "age" integer NOT NULL`);',
);
const TYPEORM_DROP_TABLE = typeorm(
  '        await queryRunner.dropTable("legacy_orders");',
  '        await queryRunner.createTable(new Table({ name: "legacy_orders", columns: [] }));',
);
const SEQUELIZE_REMOVE = sequelize(
  "    await queryInterface.removeColumn('Users', 'age');",
  "    await queryInterface.addColumn('Users', 'age', { type: Sequelize.INTEGER });",
);
const SEQUELIZE_BULK_DELETE = sequelize(
  "    await queryInterface.bulkDelete('Sessions', null, {});",
  "    /**\n     * Add reverting commands here.\n     */",
);
const LARAVEL_DROP_COLUMN = laravel(
  "        Schema::table('users', function (Blueprint $table) {\n            $table->dropColumn('age');\n        });",
  "        Schema::table('users', function (Blueprint $table) {\n            $table->integer('age')->nullable();\n        });",
);
const LARAVEL_DROP_TABLE = laravel(
  "        Schema::dropIfExists('legacy_orders');",
  "        Schema::create('legacy_orders', function (Blueprint $table) {\n            $table->id();\n        });",
);
const EF_DROP = efCore(
  '            migrationBuilder.DropColumn(\n                name: "Age",\n                table: "Users");',
  '            migrationBuilder.AddColumn<int>(\n                name: "Age",\n                table: "Users",\n                type: "int",\n                nullable: false,\n                defaultValue: 0);',
);
const EF_SQL = efCore(
  '            migrationBuilder.Sql("TRUNCATE TABLE AuditLog");',
  '            migrationBuilder.Sql("SELECT 1");',
);
const GOOSE_DROP = goose(
  "goose.AddMigrationContext(upUserAge, downUserAge)",
  '\t_, err := tx.ExecContext(ctx, "ALTER TABLE users DROP COLUMN age")\n\treturn err',
  '\t_, err := tx.ExecContext(ctx, "ALTER TABLE users ADD COLUMN age int")\n\treturn err',
);
const GOOSE_NIL = goose(
  "goose.AddMigrationContext(upUserAge, nil)",
  '\t_, err := tx.ExecContext(ctx, "CREATE INDEX users_age ON users (age)")\n\treturn err',
  "\treturn nil",
);

const CASES: Case[] = [
  // TypeORM
  [
    "typeorm: ADD COLUMN with a down()",
    "src/migrations/1700000000000-UserAge.ts",
    typeorm(
      '        await queryRunner.query(`ALTER TABLE "user" ADD "age" integer`);',
      '        await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "age"`);',
    ),
    "reversible",
    /has a down\(\)/,
    10,
  ],
  [
    "typeorm: queryRunner.query DROP COLUMN in up()",
    "src/migrations/1700000000001-DropAge.ts",
    TYPEORM_DROP,
    "irreversible",
    /drops or deletes data in up\(\): `await queryRunner\.query\(`ALTER TABLE "user" DROP COLUMN/,
    lineOf(TYPEORM_DROP, "DROP COLUMN"),
  ],
  [
    "typeorm: queryRunner.dropTable in up()",
    "src/migration/1700000000002-DropLegacy.ts",
    TYPEORM_DROP_TABLE,
    "irreversible",
    /dropTable\("legacy_orders"\)/,
    lineOf(TYPEORM_DROP_TABLE, "dropTable"),
  ],
  [
    "typeorm: dropping a foreign key loses no data",
    "src/migrations/1700000000003-Fk.ts",
    typeorm(
      '        await queryRunner.query(`ALTER TABLE "order" DROP CONSTRAINT "FK_1"`);',
      '        await queryRunner.query(`ALTER TABLE "order" ADD CONSTRAINT "FK_1" FOREIGN KEY ("userId") REFERENCES "user"("id")`);',
    ),
    "reversible",
    /has a down\(\)/,
  ],
  [
    "typeorm: empty down()",
    "src/migrations/1700000000004-Idx.ts",
    typeorm(
      '        await queryRunner.query(`CREATE INDEX "IDX_age" ON "user" ("age")`);',
      "        // no way back",
    ),
    "irreversible",
    /down\(\) is empty/,
    10,
  ],
  // Sequelize
  [
    "sequelize: createTable with dropTable in down",
    "migrations/20240101120000-create-user.js",
    sequelize(
      "    await queryInterface.createTable('Users', {\n      id: { allowNull: false, autoIncrement: true, primaryKey: true, type: Sequelize.INTEGER },\n    });",
      "    await queryInterface.dropTable('Users');",
    ),
    "reversible",
    /has a down/,
  ],
  [
    "sequelize: removeColumn in up",
    "migrations/20240102120000-remove-age.js",
    SEQUELIZE_REMOVE,
    "irreversible",
    /drops or deletes data in up: `await queryInterface\.removeColumn\('Users', 'age'\);`/,
    lineOf(SEQUELIZE_REMOVE, "removeColumn"),
  ],
  [
    "sequelize: bulkDelete in up",
    "migrations/20240103120000-purge.js",
    SEQUELIZE_BULK_DELETE,
    "irreversible",
    /bulkDelete/,
    lineOf(SEQUELIZE_BULK_DELETE, "bulkDelete"),
  ],
  [
    "sequelize: the generator's down with only its comment",
    "migrations/20240104120000-index.js",
    sequelize(
      "    await queryInterface.addIndex('Users', ['email']);",
      "    /**\n     * Add reverting commands here.\n     *\n     * Example:\n     * await queryInterface.dropTable('users');\n     */",
    ),
    "irreversible",
    /down is empty/,
  ],
  [
    "sequelize: arrow properties",
    "migrations/20240105120000-arrow.js",
    "module.exports = {\n  up: (queryInterface, Sequelize) => queryInterface.addColumn('Users', 'nick', Sequelize.STRING),\n  down: (queryInterface) => queryInterface.removeColumn('Users', 'nick'),\n};\n",
    "reversible",
    /has a down/,
    3,
  ],
  // Laravel
  [
    "laravel: create with dropIfExists in down",
    "database/migrations/2024_01_01_000000_create_flights_table.php",
    laravel(
      "        Schema::create('flights', function (Blueprint $table) {\n            $table->id();\n            $table->string('name');\n        });",
      "        Schema::dropIfExists('flights');",
    ),
    "reversible",
    /has a down\(\)/,
  ],
  [
    "laravel: $table->dropColumn in up()",
    "database/migrations/2024_01_02_000000_drop_age.php",
    LARAVEL_DROP_COLUMN,
    "irreversible",
    /drops or deletes data in up\(\): `\$table->dropColumn\('age'\);`/,
    lineOf(LARAVEL_DROP_COLUMN, "dropColumn"),
  ],
  [
    "laravel: Schema::dropIfExists in up()",
    "database/migrations/2024_01_03_000000_drop_legacy.php",
    LARAVEL_DROP_TABLE,
    "irreversible",
    /Schema::dropIfExists\('legacy_orders'\)/,
    lineOf(LARAVEL_DROP_TABLE, "dropIfExists"),
  ],
  [
    "laravel: the generator's empty down()",
    "database/migrations/2024_01_04_000000_seed.php",
    laravel("        DB::table('users')->update(['active' => true]);", "        //"),
    "irreversible",
    /down\(\) is empty/,
  ],
  [
    "laravel: no down() at all",
    "database/migrations/2024_01_05_000000_index.php",
    "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\n\nreturn new class extends Migration\n{\n    public function up(): void\n    {\n        Schema::table('users', fn (Blueprint $t) => $t->index('email'));\n    }\n};\n",
    "irreversible",
    /no down\(\)/,
    7,
  ],
  // EF Core
  [
    "ef core: AddColumn with DropColumn in Down",
    "src/Shop/Migrations/20240101120000_AddUserAge.cs",
    efCore(
      '            migrationBuilder.AddColumn<int>(\n                name: "Age",\n                table: "Users",\n                nullable: true);',
      '            migrationBuilder.DropColumn(\n                name: "Age",\n                table: "Users");',
    ),
    "reversible",
    /has a Down\(\)/,
  ],
  [
    "ef core: DropColumn in Up",
    "src/Shop/Migrations/20240102120000_RemoveUserAge.cs",
    EF_DROP,
    "irreversible",
    /drops or deletes data in Up\(\): `migrationBuilder\.DropColumn\(`/,
    lineOf(EF_DROP, "DropColumn"),
  ],
  [
    "ef core: TRUNCATE through migrationBuilder.Sql",
    "Migrations/20240103120000_Purge.cs",
    EF_SQL,
    "irreversible",
    /TRUNCATE TABLE AuditLog/,
    lineOf(EF_SQL, "TRUNCATE"),
  ],
  [
    "ef core: empty Down",
    "Data/Migrations/20240104120000_Index.cs",
    efCore(
      '            migrationBuilder.CreateIndex(name: "IX_Users_Email", table: "Users", column: "Email");',
      "",
    ),
    "irreversible",
    /Down\(\) is empty/,
  ],
  // goose (Go)
  [
    "goose go: up and down functions",
    "db/migrations/20240101120000_user_age.go",
    goose(
      "goose.AddMigrationContext(upUserAge, downUserAge)",
      '\t_, err := tx.ExecContext(ctx, "ALTER TABLE users ADD COLUMN age int")\n\treturn err',
      '\t_, err := tx.ExecContext(ctx, "ALTER TABLE users DROP COLUMN age")\n\treturn err',
    ),
    "reversible",
    /has a down function, downUserAge/,
  ],
  [
    "goose go: DROP COLUMN in the up function",
    "db/migrations/20240102120000_drop_age.go",
    GOOSE_DROP,
    "irreversible",
    /drops or deletes data in upUserAge/,
    lineOf(GOOSE_DROP, "DROP COLUMN"),
  ],
  [
    "goose go: nil down",
    "migrations/20240103120000_index.go",
    GOOSE_NIL,
    "irreversible",
    /registered with a nil down function: `goose\.AddMigrationContext\(upUserAge, nil\)`/,
    lineOf(GOOSE_NIL, "AddMigrationContext"),
  ],
  // golang-migrate
  [
    "golang-migrate: up with its .down.sql beside it",
    "db/migrations/000002_add_age.up.sql",
    "ALTER TABLE users ADD COLUMN age int;\nUPDATE users SET age = 0;\n",
    "reversible",
    /paired with undo migration db\/migrations\/000002_add_age\.down\.sql/,
  ],
  [
    "golang-migrate: up without a .down.sql",
    "db/migrations/000003_backfill.up.sql",
    "UPDATE users SET active = true;\n",
    "irreversible",
    /no paired undo/,
    1,
  ],
  [
    "golang-migrate: a down file does not undo a DROP COLUMN",
    "db/migrations/000004_drop_age.up.sql",
    "ALTER TABLE users DROP COLUMN age;\n",
    "irreversible",
    /drops or truncates/,
    1,
  ],
  // dbmate, goose SQL
  [
    "dbmate: DROP COLUMN in migrate:up, re-added in migrate:down",
    "db/migrations/20240101120000_drop_age.sql",
    "-- migrate:up\nALTER TABLE users DROP COLUMN age;\n\n-- migrate:down\nALTER TABLE users ADD COLUMN age integer;\n",
    "irreversible",
    /drops or truncates: `ALTER TABLE users DROP COLUMN age;`/,
    2,
  ],
  [
    "goose sql: DROP TABLE only in the Down section",
    "migrations/20240101120000_create.sql",
    "-- +goose Up\nCREATE TABLE t (id int);\n\n-- +goose Down\nDROP TABLE t;\n",
    "reversible",
    /has a down section/,
    4,
  ],
  [
    "mysql: ALTER TABLE … DROP without COLUMN",
    "db/migrations/20240102_drop.sql",
    "ALTER TABLE users DROP age;\n",
    "irreversible",
    /drops or truncates/,
  ],
];

describe("classifyMigration, the frameworks with up and down steps", () => {
  it.each(CASES)("%s", (_name, path, content, expected, reason, line) => {
    const siblings = [
      "db/migrations/000002_add_age.down.sql",
      "db/migrations/000002_add_age.up.sql",
      "db/migrations/000004_drop_age.down.sql",
    ];
    const finding = classifyMigration(path, content, siblings);
    expect(finding.classification, finding.reason).toBe(expected);
    expect(finding.reason).toMatch(reason);
    if (line !== undefined) expect(finding.line).toBe(line);
  });

  it("pairs an up file only with its own .down.sql, in its own folder", () => {
    const up = "UPDATE users SET active = true;\n";
    const path = "db/migrations/000003_backfill.up.sql";
    for (const sibling of [
      "db/migrations/000004_backfill.down.sql",
      "other/000003_backfill.down.sql",
      "db/migrations/000003_backfill.up.sql",
    ])
      expect(classifyMigration(path, up, [sibling]).classification).toBe("irreversible");
    expect(
      classifyMigration(path, up, ["db/migrations/000003_backfill.down.sql"]).classification,
    ).toBe("reversible");
  });
});

describe("isCompanionFile", () => {
  it.each([
    ["db/migrations/000002_add_age.down.sql", true],
    ["db/migration/U2__drop_age.sql", true],
    ["src/Shop/Migrations/20240101120000_AddUserAge.Designer.cs", true],
    ["src/Shop/Migrations/ShopContextModelSnapshot.cs", true],
    ["db/migrations/000002_add_age.up.sql", false],
    ["db/migration/V2__drop_age.sql", false],
    ["src/Shop/Migrations/20240101120000_AddUserAge.cs", false],
    ["db/migrations/20240101_downtime.sql", false],
  ])("%s: %s", (path, expected) => {
    expect(isCompanionFile(path)).toBe(expected);
  });
});

describe("migrationByContent (files outside the configured paths)", () => {
  it.each([
    [
      "shop/db/0002_x.py",
      "django",
      "from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = []\n",
    ],
    [
      "backend/versions/ab12_x.py",
      "alembic",
      "revision = 'ab12'\ndown_revision = 'aa00'\n\ndef upgrade():\n    pass\n",
    ],
    ["services/api/schema/1700-X.ts", "typeorm", TYPEORM_DROP],
    ["api/database/migrate/2024_x.php", "laravel", LARAVEL_DROP_COLUMN],
    ["Shop.Data/Schema/20240102_RemoveUserAge.cs", "efcore", EF_DROP],
    [
      "sql/20240101_x.sql",
      "sql",
      "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n",
    ],
    ["sql/V3__add.sql", "sql", "CREATE TABLE t (id int);\n"],
    ["sql/000003_x.up.sql", "sql", "CREATE TABLE t (id int);\n"],
    [
      "tools/knex/20240101_x.js",
      "knex",
      "exports.up = (knex) => knex.schema.createTable('t', () => {});\n",
    ],
  ])("%s is a migration (%s)", (path, framework, content) => {
    expect(migrationByContent(path, content)).toBe(framework);
  });

  it.each([
    ["scripts/report.sql", "SELECT count(*) FROM users;\n"],
    ["test/fixtures/teardown.sql", "DROP TABLE t;\n"],
    ["src/app.py", "def upgrade():\n    print('upgrading the client')\n"],
    [
      "src/keys.ts",
      "export const bindings = {\n  up: () => move(0, -1),\n  down: () => move(0, 1),\n};\n",
    ],
    ["src/migrate.ts", "export function up(version: number) {\n  return version + 1;\n}\n"],
  ])("%s is not", (path, content) => {
    expect(migrationByContent(path, content)).toBeUndefined();
  });
});

describe("SQL added outside the configured paths", () => {
  const diff = [
    "diff --git a/sql/cleanup.sql b/sql/cleanup.sql",
    "index 1111111..2222222 100644",
    "--- a/sql/cleanup.sql",
    "+++ b/sql/cleanup.sql",
    "@@ -2,0 +3,2 @@ SELECT 1;",
    "+-- DROP TABLE users; (not yet)",
    "+ALTER TABLE users DROP COLUMN age;",
    "@@ -9 +11 @@",
    "-DELETE FROM sessions;",
    "+DELETE FROM sessions WHERE expired;",
    "\\ No newline at end of file",
  ].join("\n");

  it("numbers the added lines as the new file has them", () => {
    expect(addedLines(diff)).toEqual([
      { line: 3, text: "-- DROP TABLE users; (not yet)" },
      { line: 4, text: "ALTER TABLE users DROP COLUMN age;" },
      { line: 11, text: "DELETE FROM sessions WHERE expired;" },
    ]);
  });

  it("names the first added line that drops, past comments", () => {
    expect(destructiveAddedSql("sql/cleanup.sql", addedLines(diff))).toEqual({
      path: "sql/cleanup.sql",
      framework: "sql",
      classification: "irreversible",
      reason: "adds SQL that drops or truncates: `ALTER TABLE users DROP COLUMN age;`",
      line: 4,
    });
  });

  it("ignores additive SQL", () => {
    const additive =
      "@@ -0,0 +1,2 @@\n+CREATE TABLE t (id int);\n+ALTER TABLE t DROP CONSTRAINT t_pk;\n";
    expect(destructiveAddedSql("sql/x.sql", addedLines(additive))).toBeUndefined();
  });
});
