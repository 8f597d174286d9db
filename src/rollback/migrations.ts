/**
 * Classifies migration files for rollback safety: `irreversible` when rolling back cannot restore
 * what the migration did (dropped tables or columns, rewritten or deleted data, no working down
 * step), `reversible` when a down step undoes it, `unknown` when the file does not say. Each finding
 * names the deciding line. Pure: takes paths and contents, reads nothing.
 */
export type MigrationClass = "reversible" | "irreversible" | "unknown";
export type Framework = "rails" | "django" | "alembic" | "sql" | "liquibase" | "prisma" | "knex";

export interface MigrationFinding {
  path: string;
  framework: Framework | "unrecognised";
  classification: MigrationClass;
  reason: string;
  /** 1-based line that decided, when one did. */
  line?: number;
}

interface Hit {
  line: number;
  text: string;
}

function find(content: string, pattern: RegExp, from = 0, to = Infinity): Hit | undefined {
  const lines = content.split("\n");
  for (let i = from; i < Math.min(lines.length, to); i++) {
    if (pattern.test(lines[i]!)) return { line: i + 1, text: lines[i]!.trim() };
  }
  return undefined;
}

/** The forward part of a file: everything before the line that starts the down step. */
function forwardPart(content: string, down: Hit | undefined): string {
  return down
    ? content
        .split("\n")
        .slice(0, down.line - 1)
        .join("\n")
    : content;
}

const verdict = (
  path: string,
  framework: MigrationFinding["framework"],
  classification: MigrationClass,
  reason: string,
  hit?: Hit,
): MigrationFinding => ({
  path,
  framework,
  classification,
  reason: hit ? `${reason}: \`${hit.text.slice(0, 120)}\`` : reason,
  ...(hit ? { line: hit.line } : {}),
});

export function detectFramework(path: string, content: string): Framework | undefined {
  if (path.endsWith(".rb") && /ActiveRecord::Migration/.test(content)) return "rails";
  if (path.endsWith(".py") && /migrations\.Migration\b/.test(content)) return "django";
  if (path.endsWith(".py") && /^\s*def upgrade\s*\(/m.test(content)) return "alembic";
  if (/(^|\/)migration\.sql$/.test(path) && /prisma/i.test(path)) return "prisma";
  if (/\.(xml|ya?ml|json)$/.test(path) && /databaseChangeLog/.test(content)) return "liquibase";
  if (/\.sql$/i.test(path))
    return /^--\s*liquibase formatted sql/im.test(content) ? "liquibase" : "sql";
  if (
    /\.(c|m)?[jt]s$/.test(path) &&
    /\b(exports\.up|export\s+(async\s+)?function\s+up|up\s*:\s*(async\s*)?(function|\())/.test(
      content,
    )
  )
    return "knex";
  return undefined;
}

/**
 * @param siblings every migration path in the change set, for pairs such as Flyway's V2__x.sql and
 *   its undo U2__x.sql.
 */
export function classifyMigration(
  path: string,
  content: string,
  siblings: readonly string[] = [],
): MigrationFinding {
  const framework = detectFramework(path, content);
  switch (framework) {
    case "rails":
      return rails(path, content);
    case "django":
      return django(path, content);
    case "alembic":
      return alembic(path, content);
    case "prisma":
      return prisma(path, content);
    case "liquibase":
      return liquibase(path, content);
    case "sql":
      return sql(path, content, siblings);
    case "knex":
      return knex(path, content);
    default:
      return verdict(
        path,
        "unrecognised",
        "unknown",
        "not a migration format EnvSync recognises; read it before rolling back",
      );
  }
}

const SQL_DESTRUCTIVE =
  /\b(DROP\s+(TABLE|COLUMN|SCHEMA|DATABASE|TYPE|VIEW)|TRUNCATE\b|ALTER\s+TABLE\s+\S+\s+DROP\b)/i;
const SQL_REWRITE = /^\s*(DELETE\s+FROM|UPDATE\s+\S+\s+SET)\b/i;

function rails(path: string, content: string): MigrationFinding {
  const raise = find(content, /raise\s+(ActiveRecord::)?IrreversibleMigration/);
  if (raise) return verdict(path, "rails", "irreversible", "raises IrreversibleMigration", raise);
  const downStart = find(content, /^\s*def\s+(self\.)?down\b/);
  const destructive = find(
    forwardPart(content, downStart),
    /^\s*(drop_table|remove_column|remove_columns|remove_reference|change_column|drop_join_table)\b/,
  );
  if (destructive)
    return verdict(path, "rails", "irreversible", "drops or changes existing data", destructive);
  const change = find(content, /^\s*def\s+change\b/);
  if (change) {
    const execute = find(content, /^\s*execute\b/, change.line);
    if (execute)
      return verdict(
        path,
        "rails",
        "irreversible",
        "raw SQL in `change` cannot be reversed",
        execute,
      );
    return verdict(path, "rails", "reversible", "`change` with reversible operations only", change);
  }
  const up = find(content, /^\s*def\s+(self\.)?up\b/);
  const down = find(content, /^\s*def\s+(self\.)?down\b/);
  if (up && !down) return verdict(path, "rails", "irreversible", "`up` without `down`", up);
  if (down) {
    const body = content
      .split("\n")
      .slice(down.line)
      .join("\n")
      .split(/^\s*end\b/m)[0]!;
    if (body.trim() === "") return verdict(path, "rails", "irreversible", "`down` is empty", down);
    return verdict(path, "rails", "reversible", "has a `down` step", down);
  }
  return verdict(path, "rails", "unknown", "no `change`, `up` or `down` found");
}

function django(path: string, content: string): MigrationFinding {
  const removal = find(content, /migrations\.(RemoveField|DeleteModel)\s*\(/);
  if (removal)
    return verdict(
      path,
      "django",
      "irreversible",
      "removes a field or model (its data is gone)",
      removal,
    );
  const runPython = find(content, /migrations\.RunPython\s*\(/);
  if (runPython && !/reverse_code\s*=|RunPython\s*\(\s*[\w.]+\s*,\s*[\w.]+/.test(content)) {
    return verdict(path, "django", "irreversible", "RunPython without reverse_code", runPython);
  }
  const runSql = find(content, /migrations\.RunSQL\s*\(/);
  if (runSql && !/reverse_sql\s*=|RunSQL\s*\(\s*(["'].*["']|\w+)\s*,\s*\S/.test(content)) {
    return verdict(path, "django", "irreversible", "RunSQL without reverse_sql", runSql);
  }
  const alter = find(content, /migrations\.AlterField\s*\(/);
  if (alter)
    return verdict(
      path,
      "django",
      "unknown",
      "AlterField may narrow a column and lose data on the way back",
      alter,
    );
  return verdict(
    path,
    "django",
    "reversible",
    "operations Django reverses itself",
    find(content, /operations\s*=/),
  );
}

function alembic(path: string, content: string): MigrationFinding {
  const down = find(content, /^\s*def\s+downgrade\s*\(/);
  const destructive = find(
    forwardPart(content, down),
    /op\.(drop_table|drop_column|execute\s*\(\s*["'](DROP|TRUNCATE|DELETE))/i,
  );
  if (destructive)
    return verdict(
      path,
      "alembic",
      "irreversible",
      "drops or deletes data in upgrade",
      destructive,
    );
  if (!down) return verdict(path, "alembic", "irreversible", "no downgrade()");
  const body = content
    .split("\n")
    .slice(down.line)
    .join("\n")
    .split(/^\S/m)[0]!
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter(Boolean);
  if (body.length === 0 || body.every((l) => l === "pass" || /^("""|''')/.test(l)))
    return verdict(path, "alembic", "irreversible", "downgrade() is empty or `pass`", down);
  return verdict(path, "alembic", "reversible", "has a downgrade()", down);
}

function prisma(path: string, content: string): MigrationFinding {
  const destructive = find(content, SQL_DESTRUCTIVE) ?? find(content, SQL_REWRITE);
  if (destructive)
    return verdict(
      path,
      "prisma",
      "irreversible",
      "Prisma has no down migration and this one destroys data",
      destructive,
    );
  return verdict(
    path,
    "prisma",
    "unknown",
    "Prisma has no down migration: the schema change stays after a rollback (additive changes only)",
  );
}

/** The changeset without its rollback parts (XML blocks, `-- rollback` lines, YAML `rollback:`), lines kept. */
function withoutRollbacks(content: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, " ");
  const lines = content.replace(/<rollback\b[\s\S]*?<\/rollback>/g, blank).split("\n");
  let yamlIndent = -1;
  return lines
    .map((line) => {
      const indent = line.search(/\S/);
      if (yamlIndent >= 0 && (indent > yamlIndent || line.trim() === "")) return "";
      yamlIndent = /^\s*-?\s*rollback:/.test(line) ? indent : -1;
      return /^\s*--\s*rollback\b/i.test(line) || yamlIndent >= 0 ? "" : line;
    })
    .join("\n");
}

function liquibase(path: string, content: string): MigrationFinding {
  const forward = withoutRollbacks(content);
  const destructive = find(
    forward,
    /<(dropTable|dropColumn|delete)\b|\b(dropTable|dropColumn|delete):|^\s*(DROP|TRUNCATE|DELETE)\b|ALTER\s+TABLE\s+\S+\s+DROP\b/i,
  );
  const rollback = find(content, /<rollback\b|^\s*-?\s*rollback:|^--\s*rollback\b/im);
  if (destructive)
    return verdict(path, "liquibase", "irreversible", "drops or deletes data", destructive);
  const rewrite = find(forward, SQL_REWRITE);
  if (!rollback && rewrite)
    return verdict(path, "liquibase", "irreversible", "rewrites data without a rollback", rewrite);
  return rollback
    ? verdict(path, "liquibase", "reversible", "has a rollback", rollback)
    : verdict(
        path,
        "liquibase",
        "unknown",
        "no explicit rollback; Liquibase can reverse only some change types",
      );
}

function sql(path: string, content: string, siblings: readonly string[]): MigrationFinding {
  // Up and down in one file (dbmate, sql-migrate, goose): judge only the up part.
  const downMarker = find(content, /^--\s*(\+migrate\s+down|migrate:down|\+goose\s+down)\b/i);
  const upPart = downMarker
    ? content
        .split("\n")
        .slice(0, downMarker.line - 1)
        .join("\n")
    : content;
  const destructive = find(upPart, SQL_DESTRUCTIVE);
  if (destructive) return verdict(path, "sql", "irreversible", "drops or truncates", destructive);
  const flyway = /(^|\/)V(\d+(?:[._]\d+)*)__[^/]+\.sql$/i.exec(path);
  const undo = flyway
    ? siblings.find((s) =>
        new RegExp(`(^|/)U${flyway[2]!.replace(/\./g, "\\.")}__[^/]+\\.sql$`, "i").test(s),
      )
    : undefined;
  const rewrite = find(upPart, SQL_REWRITE);
  if (rewrite && !downMarker && !undo)
    return verdict(
      path,
      "sql",
      "irreversible",
      "rewrites or deletes rows with no paired undo",
      rewrite,
    );
  if (downMarker) return verdict(path, "sql", "reversible", "has a down section", downMarker);
  if (undo) return verdict(path, "sql", "reversible", `paired with undo migration ${undo}`);
  return verdict(path, "sql", "unknown", "plain SQL with no down step; additive statements only");
}

function knex(path: string, content: string): MigrationFinding {
  const down = find(content, /\b(exports\.down|export\s+(async\s+)?function\s+down|down\s*:)/);
  const destructive = find(
    forwardPart(content, down),
    /\.(dropTable|dropTableIfExists|dropColumn|dropColumns|truncate)\s*\(|\.del\s*\(|\.delete\s*\(/,
  );
  if (destructive)
    return verdict(path, "knex", "irreversible", "drops or deletes data", destructive);
  if (!down) return verdict(path, "knex", "irreversible", "no down()");
  // What down() does, without its declaration, comments, braces and bare returns: empty means nothing.
  const body = content
    .split("\n")
    .slice(down.line - 1)
    .join("\n")
    .replace(/^[^{]*\{/, "")
    .replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "")
    .replace(/return\s*(Promise\.resolve\(\s*\))?\s*;?/g, "")
    .replace(/[{}();\s]/g, "");
  if (body === "") return verdict(path, "knex", "irreversible", "down() is empty", down);
  return verdict(path, "knex", "reversible", "has a down()", down);
}
