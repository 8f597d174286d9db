import { describe, expect, it } from "vitest";
import { classifyMigration, destructiveAddedSql } from "../../src/rollback/migrations.js";

/**
 * SQL read as a database reads it: comments are whitespace, statements end at `;`, and a down or
 * rollback marker is a whole-line comment of its own. Each shape below evaded the classifier (a
 * destructive migration judged unknown or reversible, so rollback-check exited 0).
 */
const SHAPES: [
  name: string,
  path: string,
  content: string,
  expected: "irreversible" | "unknown",
  reason: RegExp,
  line: number | undefined,
][] = [
  [
    "several statements on one line: BEGIN; DELETE FROM …; COMMIT;",
    "db/migrations/V3__purge.sql",
    "BEGIN; DELETE FROM sessions; COMMIT;\n",
    "irreversible",
    /rewrites or deletes rows/,
    1,
  ],
  [
    "an UPDATE after another statement on its line",
    "db/migrations/V3__touch.sql",
    "CREATE INDEX i ON users (email); UPDATE users SET email = lower(email);\n",
    "irreversible",
    /rewrites or deletes rows/,
    1,
  ],
  [
    "a block comment as the space: DROP/**/TABLE",
    "db/migrations/V4__drop.sql",
    "DROP/**/TABLE users;\n",
    "irreversible",
    /drops or truncates/,
    1,
  ],
  [
    "a line comment splitting the keywords over lines",
    "db/migrations/V4__drop.sql",
    "DROP -- the old one\nTABLE users;\n",
    "irreversible",
    /drops or truncates/,
    1,
  ],
  [
    "a down marker inside a block comment",
    "db/migrations/20240101_drop.sql",
    "-- +migrate Up\nCREATE TABLE a (id int);\n/*\n-- +migrate Down\n*/\nDROP TABLE users;\n",
    "irreversible",
    /drops or truncates/,
    6,
  ],
  [
    "a down marker inside a string literal",
    "db/migrations/20240101_drop.sql",
    "-- migrate:up\nINSERT INTO notes VALUES ('\n-- migrate:down\n');\nDROP TABLE users;\n",
    "irreversible",
    /drops or truncates/,
    5,
  ],
  [
    "Prisma: a DELETE after BEGIN on one line",
    "prisma/migrations/20240101_x/migration.sql",
    "BEGIN; DELETE FROM sessions; COMMIT;\n",
    "irreversible",
    /destroys data/,
    1,
  ],
  [
    "Liquibase SQL: a DELETE after another statement",
    "db/changelog/1.sql",
    "--liquibase formatted sql\n--changeset dev:1\nSELECT 1; DELETE FROM sessions;\n",
    "irreversible",
    /drops or deletes data/,
    3,
  ],
  [
    "Liquibase SQL: a --rollback line inside a block comment is no rollback",
    "db/changelog/2.sql",
    "--liquibase formatted sql\n--changeset dev:2\nUPDATE users SET x = 1;\n/*\n--rollback UPDATE users SET x = 0;\n*/\n",
    "irreversible",
    /rewrites data without a rollback/,
    3,
  ],
  [
    "Liquibase XML: commented-out rollback tags around a drop",
    "db/changelog/3.xml",
    '<databaseChangeLog>\n<changeSet id="3" author="dev">\n<!-- <rollback> -->\n<dropTable tableName="users"/>\n<!-- </rollback> -->\n</changeSet>\n</databaseChangeLog>\n',
    "irreversible",
    /drops or deletes data/,
    4,
  ],
  [
    "Liquibase XML: raw SQL that drops",
    "db/changelog/4.xml",
    '<databaseChangeLog>\n<changeSet id="4" author="dev">\n<sql>DROP TABLE users</sql>\n</changeSet>\n</databaseChangeLog>\n',
    "irreversible",
    /drops or deletes data/,
    3,
  ],
  [
    "a comment that mentions DROP TABLE is not a statement",
    "db/migrations/V5__add.sql",
    "-- DROP TABLE users was done in 2019\nCREATE TABLE a (id int);\n",
    "unknown",
    /additive statements only/,
    undefined,
  ],
];

describe("classifyMigration reads SQL statements, not lines", () => {
  it.each(SHAPES)("%s", (_name, path, content, expected, reason, line) => {
    const finding = classifyMigration(path, content);
    expect(finding.classification, finding.reason).toBe(expected);
    expect(finding.reason).toMatch(reason);
    expect(finding.line).toBe(line);
  });

  it("finds a drop added outside the paths after a '--' inside a string", () => {
    const added = [
      { line: 7, text: "SELECT '--'; DROP TABLE users;" },
      { line: 8, text: "DROP/**/TABLE audit;" },
    ];
    expect(destructiveAddedSql("sql/cleanup.sql", added)).toMatchObject({
      classification: "irreversible",
      line: 7,
    });
    expect(destructiveAddedSql("sql/cleanup.sql", added.slice(1))).toMatchObject({ line: 8 });
  });
});

describe("classifyMigration reads any file in one pass", () => {
  // Each file below made an old pattern rescan the rest of the file from every opening it found
  // (`<rollback` … `</rollback>`, `/*` … `*/`, `^\s*` over blank lines): about 10^10 steps, so
  // rollback-check never finished. Comment and span stripping now searches forward only.
  const many = (text: string) => text.repeat(150_000);

  it("Liquibase XML with many unclosed <rollback> and <!-- openings", () => {
    const xml = `<databaseChangeLog>\n<changeSet id="1" author="dev">\n<dropTable tableName="users"/>\n${many("<rollback>")}${many("<!--")}\n`;
    expect(classifyMigration("db/changelog/1.xml", xml)).toMatchObject({
      classification: "irreversible",
      line: 3,
    });
  });

  it("a knex down() with many unclosed /* openings", () => {
    const js = `exports.up = (knex) => knex.schema.createTable("a", () => {});\nexports.down = (knex) => {\n  ${many("/* x ")}\n};\n`;
    expect(classifyMigration("migrations/1_a.js", js).classification).toBe("irreversible");
  });

  it("a Laravel down() with many unclosed /* openings", () => {
    const php = `<?php\nclass A extends Migration {\n  public function up() { Schema::create('a', function () {}); }\n  public function down() {\n ${many("/* x ")}\n  }\n}\n`;
    expect(classifyMigration("database/migrations/1_a.php", php).classification).toBe(
      "irreversible",
    );
  });

  it("a Python or SQL file of many blank lines", () => {
    const blank = many("\n");
    expect(classifyMigration("migrations/env.py", `${blank}x = 1\n`).framework).toBe(
      "unrecognised",
    );
    expect(classifyMigration("db/migrations/1.sql", `${blank}SELECT 1;\n`).classification).toBe(
      "unknown",
    );
  });
});
