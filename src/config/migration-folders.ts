/**
 * Where the common migration frameworks keep their files: the default `rollback.migrations.paths`
 * and what `envsync init` looks for. Folder names that only ever hold migrations (`db/migrate`,
 * `prisma/migrations`) match at any depth, so monorepos are covered; a bare `migrations/` matches
 * only at the root and only in code and SQL files, because projects also use the name for other
 * things (config upgrades, docs). Files outside these are still caught by content
 * (src/rollback/gather.ts).
 */
export interface MigrationFolder {
  /** The folder, as the framework names it. */
  folder: string;
  /** The migration files under it (a picomatch glob relative to the folder). */
  files: string;
  /** Whether the folder counts anywhere in the tree or only at the root. */
  anyDepth: boolean;
  /** Who keeps migrations there, for the comment `init` writes. */
  frameworks: string;
}

export const MIGRATION_FOLDERS: readonly MigrationFolder[] = [
  { folder: "db/migrate", files: "**", anyDepth: true, frameworks: "Rails" },
  {
    folder: "db/migrations",
    files: "**",
    anyDepth: true,
    frameworks: "dbmate, goose, golang-migrate",
  },
  { folder: "db/migration", files: "**", anyDepth: true, frameworks: "Flyway" },
  { folder: "db/changelog", files: "**", anyDepth: true, frameworks: "Liquibase" },
  // Django names every migration NNNN_name.py; the digit keeps __init__.py and helpers out.
  { folder: "migrations", files: "[0-9]*.py", anyDepth: true, frameworks: "Django" },
  { folder: "alembic/versions", files: "*.py", anyDepth: true, frameworks: "Alembic" },
  {
    folder: "migrations/versions",
    files: "*.py",
    anyDepth: true,
    frameworks: "Alembic (Flask-Migrate)",
  },
  { folder: "prisma/migrations", files: "**/migration.sql", anyDepth: true, frameworks: "Prisma" },
  {
    folder: "migrations",
    files: "**/*.{sql,js,cjs,mjs,ts,go}",
    anyDepth: false,
    frameworks: "Knex, Sequelize, goose, golang-migrate",
  },
  { folder: "src/migrations", files: "**/*.{ts,js}", anyDepth: false, frameworks: "TypeORM" },
  { folder: "src/migration", files: "**/*.{ts,js}", anyDepth: false, frameworks: "TypeORM" },
  { folder: "database/migrations", files: "**/*.php", anyDepth: true, frameworks: "Laravel" },
  // EF Core puts Migrations/ in whichever project holds the DbContext.
  { folder: "Migrations", files: "*.cs", anyDepth: true, frameworks: "EF Core" },
];

export const migrationGlob = (m: MigrationFolder): string =>
  `${m.anyDepth ? "**/" : ""}${m.folder}/${m.files}`;

export const DEFAULT_MIGRATION_PATHS: readonly string[] = MIGRATION_FOLDERS.map(migrationGlob);
