import { describe, expect, it } from "vitest";
import { detectMigrations } from "../../src/init/migrations.js";

describe("detectMigrations", () => {
  it("finds each framework's folder where the repository has it", () => {
    const files = [
      "README.md",
      "db/migrate/20240101120000_create_users.rb",
      "db/migrations/000001_init.up.sql",
      "db/migrations/000001_init.down.sql",
      "shop/migrations/__init__.py",
      "shop/migrations/0001_initial.py",
      "apps/billing/migrations/0001_initial.py",
      "migrations/versions/ab12cd_add_users.py",
      "migrations/env.py",
      "backend/src/main/resources/db/migration/V1__init.sql",
      "db/changelog/db.changelog-master.yaml",
      "packages/api/prisma/migrations/20240101_init/migration.sql",
      "migrations/20240101_users.js",
      "src/migrations/1700000000000-Init.ts",
      "database/migrations/2024_01_01_000000_create_users_table.php",
      "src/Shop.Data/Migrations/20240101120000_Init.cs",
      "src/Shop.Data/Migrations/ShopContextModelSnapshot.cs",
    ];
    expect(detectMigrations(files)).toEqual([
      { path: "apps/billing/migrations/[0-9]*.py", frameworks: "Django" },
      {
        path: "backend/src/main/resources/db/migration/**",
        frameworks: "Flyway",
      },
      { path: "database/migrations/**/*.php", frameworks: "Laravel" },
      { path: "db/changelog/**", frameworks: "Liquibase" },
      { path: "db/migrate/**", frameworks: "Rails" },
      { path: "db/migrations/**", frameworks: "dbmate, goose, golang-migrate" },
      {
        path: "migrations/**/*.{sql,js,cjs,mjs,ts,go}",
        frameworks: "Knex, Sequelize, goose, golang-migrate",
      },
      { path: "migrations/versions/*.py", frameworks: "Alembic (Flask-Migrate)" },
      { path: "packages/api/prisma/migrations/**/migration.sql", frameworks: "Prisma" },
      { path: "shop/migrations/[0-9]*.py", frameworks: "Django" },
      { path: "src/migrations/**/*.{ts,js}", frameworks: "TypeORM" },
      { path: "src/Shop.Data/Migrations/*.cs", frameworks: "EF Core" },
    ]);
  });

  it("finds nothing in ordinary source", () => {
    expect(
      detectMigrations([
        "src/app.py",
        "src/config/migrations/v1-to-v2.ts",
        "docs/migrations/upgrading.md",
        "lib/migrations/__init__.py",
        "tools/migrations/helper.py",
      ]),
    ).toEqual([]);
  });
});
