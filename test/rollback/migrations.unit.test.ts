import { describe, expect, it } from "vitest";
import { classifyMigration } from "../../src/rollback/migrations.js";

type Case = [
  name: string,
  path: string,
  content: string,
  expected: "reversible" | "irreversible" | "unknown",
  reason: RegExp,
  line?: number,
];

const rails = (body: string) => `class M < ActiveRecord::Migration[7.1]\n${body}\nend\n`;

const CASES: Case[] = [
  // Rails
  [
    "rails: create_table in change",
    "db/migrate/1_create_users.rb",
    rails("  def change\n    create_table :users do |t|\n      t.string :name\n    end\n  end"),
    "reversible",
    /change/,
  ],
  [
    "rails: drop_table",
    "db/migrate/2_drop.rb",
    rails("  def change\n    drop_table :legacy\n  end"),
    "irreversible",
    /drops or changes existing data/,
    3,
  ],
  [
    "rails: remove_column",
    "db/migrate/3_rm.rb",
    rails("  def change\n    remove_column :users, :age, :integer\n  end"),
    "irreversible",
    /remove_column/,
    3,
  ],
  [
    "rails: change_column",
    "db/migrate/4_cc.rb",
    rails("  def change\n    change_column :users, :age, :string\n  end"),
    "irreversible",
    /change_column/,
  ],
  [
    "rails: execute in change",
    "db/migrate/5_exec.rb",
    rails(
      '  def change\n    add_column :users, :x, :int\n    execute "UPDATE users SET x = 1"\n  end',
    ),
    "irreversible",
    /raw SQL in `change`/,
    4,
  ],
  [
    "rails: raises IrreversibleMigration",
    "db/migrate/6_raise.rb",
    rails(
      "  def up\n    add_column :a, :b, :int\n  end\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end",
    ),
    "irreversible",
    /raises IrreversibleMigration/,
    6,
  ],
  [
    "rails: up without down",
    "db/migrate/7_up.rb",
    rails("  def up\n    add_index :users, :email\n  end"),
    "irreversible",
    /`up` without `down`/,
    2,
  ],
  [
    "rails: up with down",
    "db/migrate/8_updown.rb",
    rails(
      "  def up\n    add_index :users, :email\n  end\n  def down\n    remove_index :users, :email\n  end",
    ),
    "reversible",
    /has a `down` step/,
  ],
  [
    "rails: drop_table in down is the undo, not a loss",
    "db/migrate/9_undo.rb",
    rails("  def up\n    create_table :t\n  end\n  def down\n    drop_table :t\n  end"),
    "reversible",
    /down/,
  ],
  // Django
  [
    "django: AddField",
    "app/migrations/0002_add.py",
    "from django.db import migrations, models\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(model_name='u', name='x', field=models.IntegerField(default=0)),\n    ]\n",
    "reversible",
    /Django reverses/,
  ],
  [
    "django: RemoveField",
    "app/migrations/0003_rm.py",
    "from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(model_name='u', name='x'),\n    ]\n",
    "irreversible",
    /removes a field or model/,
    4,
  ],
  [
    "django: DeleteModel",
    "app/migrations/0004_del.py",
    "from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [migrations.DeleteModel(name='Old')]\n",
    "irreversible",
    /DeleteModel/,
  ],
  [
    "django: RunPython without reverse",
    "app/migrations/0005_data.py",
    "from django.db import migrations\ndef fwd(apps, schema_editor): pass\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(fwd)]\n",
    "irreversible",
    /RunPython without reverse_code/,
  ],
  [
    "django: RunPython with reverse_code",
    "app/migrations/0006_data.py",
    "from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(fwd, reverse_code=back)]\n",
    "reversible",
    /reverses/,
  ],
  [
    "django: RunSQL without reverse",
    "app/migrations/0007_sql.py",
    'from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL("UPDATE t SET a = 1")]\n',
    "irreversible",
    /RunSQL without reverse_sql/,
  ],
  [
    "django: RunSQL with reverse_sql",
    "app/migrations/0008_sql.py",
    'from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL("CREATE INDEX i ON t(a)", reverse_sql="DROP INDEX i")]\n',
    "reversible",
    /reverses/,
  ],
  // Alembic
  [
    "alembic: downgrade is pass",
    "alembic/versions/abc_add.py",
    "def upgrade():\n    op.add_column('t', sa.Column('x', sa.Integer()))\n\n\ndef downgrade():\n    pass\n",
    "irreversible",
    /empty or `pass`/,
    5,
  ],
  [
    "alembic: real downgrade",
    "alembic/versions/abd_add.py",
    "def upgrade():\n    op.add_column('t', sa.Column('x', sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column('t', 'x')\n",
    "reversible",
    /has a downgrade/,
  ],
  [
    "alembic: drop_table in upgrade",
    "alembic/versions/abe_drop.py",
    "def upgrade():\n    op.drop_table('old')\n\n\ndef downgrade():\n    op.create_table('old')\n",
    "irreversible",
    /drops or deletes data in upgrade/,
    2,
  ],
  [
    "alembic: no downgrade",
    "alembic/versions/abf.py",
    "def upgrade():\n    op.create_index('i', 't', ['a'])\n",
    "irreversible",
    /no downgrade/,
  ],
  // Plain SQL, Flyway, dbmate
  [
    "sql: DROP TABLE",
    "migrations/V3__drop.sql",
    "DROP TABLE legacy;\n",
    "irreversible",
    /drops or truncates/,
    1,
  ],
  [
    "sql: ALTER TABLE ... DROP",
    "migrations/V4__col.sql",
    "ALTER TABLE users DROP COLUMN age;\n",
    "irreversible",
    /drops or truncates/,
  ],
  [
    "sql: TRUNCATE",
    "migrations/V5__t.sql",
    "-- clean up\nTRUNCATE audit_log;\n",
    "irreversible",
    /drops or truncates/,
    2,
  ],
  [
    "sql: UPDATE without undo",
    "migrations/V6__fix.sql",
    "UPDATE users SET active = true;\n",
    "irreversible",
    /no paired undo/,
  ],
  [
    "sql: DELETE with Flyway undo",
    "migrations/V7__purge.sql",
    "DELETE FROM sessions WHERE expired;\n",
    "reversible",
    /paired with undo migration/,
  ],
  [
    "sql: down section (dbmate)",
    "db/migrations/20260101_add.sql",
    "-- migrate:up\nUPDATE t SET a = 2;\n-- migrate:down\nUPDATE t SET a = 1;\n",
    "reversible",
    /has a down section/,
  ],
  [
    "sql: additive only",
    "migrations/V8__idx.sql",
    "CREATE INDEX i ON t(a);\n",
    "unknown",
    /no down step/,
  ],
  // Liquibase
  [
    "liquibase: dropColumn",
    "db/changelog/001.xml",
    '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <dropColumn tableName="t" columnName="c"/>\n  </changeSet>\n</databaseChangeLog>\n',
    "irreversible",
    /drops or deletes/,
    3,
  ],
  [
    "liquibase: explicit rollback",
    "db/changelog/002.xml",
    '<databaseChangeLog>\n  <changeSet id="2" author="a">\n    <addColumn tableName="t"><column name="c" type="int"/></addColumn>\n    <rollback><dropColumn tableName="t" columnName="c"/></rollback>\n  </changeSet>\n</databaseChangeLog>\n',
    "reversible",
    /has a rollback/,
  ],
  [
    "liquibase sql: rollback comment",
    "db/changelog/003.sql",
    "-- liquibase formatted sql\n-- changeset a:3\nCREATE INDEX i ON t(a);\n-- rollback DROP INDEX i;\n",
    "reversible",
    /has a rollback/,
    4,
  ],
  [
    "liquibase sql: DELETE without rollback",
    "db/changelog/004.sql",
    "-- liquibase formatted sql\n-- changeset a:4\nDELETE FROM sessions;\n",
    "irreversible",
    /drops or deletes data/,
    3,
  ],
  [
    "liquibase yaml: dropTable only in rollback",
    "db/changelog/005.yaml",
    "databaseChangeLog:\n  - changeSet:\n      id: 5\n      changes:\n        - createTable:\n            tableName: t\n      rollback:\n        - dropTable:\n            tableName: t\n",
    "reversible",
    /has a rollback/,
  ],
  [
    "liquibase: no rollback, additive",
    "db/changelog/006.xml",
    '<databaseChangeLog>\n  <changeSet id="6" author="a">\n    <createIndex tableName="t" indexName="i"><column name="a"/></createIndex>\n  </changeSet>\n</databaseChangeLog>\n',
    "unknown",
    /no explicit rollback/,
  ],
  // Prisma
  [
    "prisma: additive",
    "prisma/migrations/20260101_add/migration.sql",
    'ALTER TABLE "User" ADD COLUMN "age" INTEGER;\n',
    "unknown",
    /no down migration/,
  ],
  [
    "prisma: drop",
    "prisma/migrations/20260102_drop/migration.sql",
    'ALTER TABLE "User" DROP COLUMN "age";\n',
    "irreversible",
    /destroys data/,
  ],
  // Knex
  [
    "knex: up and down",
    "migrations/20260101_users.js",
    "exports.up = function (knex) {\n  return knex.schema.createTable('users', (t) => t.increments());\n};\nexports.down = function (knex) {\n  return knex.schema.dropTable('users');\n};\n",
    "reversible",
    /has a down/,
  ],
  [
    "knex: missing down",
    "migrations/20260102_idx.js",
    "exports.up = function (knex) {\n  return knex.schema.alterTable('users', (t) => t.index('email'));\n};\n",
    "irreversible",
    /no down\(\)/,
  ],
  [
    "knex: empty down",
    "migrations/20260103_x.ts",
    "export async function up(knex) {\n  await knex.schema.createTable('x', (t) => t.increments());\n}\nexport async function down(knex) {\n  // nothing to do\n}\n",
    "irreversible",
    /down\(\) is empty/,
  ],
  [
    "knex: dropColumn in up",
    "migrations/20260104_rm.js",
    "exports.up = (knex) => knex.schema.alterTable('u', (t) => { t.dropColumn('age'); });\nexports.down = (knex) => knex.schema.alterTable('u', (t) => { t.integer('age'); });\n",
    "irreversible",
    /drops or deletes data/,
    1,
  ],
  // Unrecognised
  [
    "unrecognised file",
    "db/migrate/notes.txt",
    "remember to migrate\n",
    "unknown",
    /not a migration format/,
  ],
];

describe("classifyMigration", () => {
  it.each(CASES)("%s", (_name, path, content, expected, reason, line) => {
    const siblings = ["migrations/V7__purge.sql", "migrations/U7__purge.sql"];
    const finding = classifyMigration(path, content, siblings);
    expect(finding.classification, finding.reason).toBe(expected);
    expect(finding.reason).toMatch(reason);
    if (line !== undefined) expect(finding.line).toBe(line);
  });
});
