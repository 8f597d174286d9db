/**
 * Classifies migration files for rollback safety: `irreversible` when rolling back cannot restore
 * what the migration did (dropped tables or columns, rewritten or deleted data, no working down
 * step), `reversible` when a down step undoes it, `unknown` when the file does not say. Each finding
 * names the deciding line. Pure: takes paths and contents, reads nothing.
 */
export type MigrationClass = "reversible" | "irreversible" | "unknown";
export type Framework =
  | "rails"
  | "django"
  | "alembic"
  | "sql"
  | "liquibase"
  | "prisma"
  | "knex"
  | "typeorm"
  | "sequelize"
  | "laravel"
  | "efcore"
  | "goose";

export interface MigrationFinding {
  path: string;
  framework: Framework | "unrecognised";
  classification: MigrationClass;
  reason: string;
  /** 1-based line that decided, when one did. */
  line?: number;
  /** Found by its content, outside `rollback.migrations.paths`. */
  outside_paths?: true;
  /** What to do about it (for a file outside the paths: the glob to add). */
  hint?: string;
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

const SCRIPT = /\.(c|m)?[jt]s$/;

export function detectFramework(path: string, content: string): Framework | undefined {
  if (path.endsWith(".rb") && /ActiveRecord::Migration/.test(content)) return "rails";
  if (path.endsWith(".cs") && /\bMigrationBuilder\b/.test(content)) return "efcore";
  if (path.endsWith(".php") && /\bextends\s+Migration\b/.test(content)) return "laravel";
  if (path.endsWith(".go") && /\bgoose\.AddMigration/.test(content)) return "goose";
  if (SCRIPT.test(path) && /\bMigrationInterface\b/.test(content)) return "typeorm";
  if (SCRIPT.test(path) && /\bqueryInterface\b/.test(content) && find(content, jsStep("up")))
    return "sequelize";
  if (path.endsWith(".py") && /migrations\.Migration\b/.test(content)) return "django";
  if (path.endsWith(".py") && /^[ \t]*def upgrade\s*\(/m.test(content)) return "alembic";
  if (/(^|\/)migration\.sql$/.test(path) && /prisma/i.test(path)) return "prisma";
  if (/\.(xml|ya?ml|json)$/.test(path) && /databaseChangeLog/.test(content)) return "liquibase";
  if (/\.sql$/i.test(path))
    return /^--\s*liquibase formatted sql/im.test(content) ? "liquibase" : "sql";
  if (
    SCRIPT.test(path) &&
    /\b(exports\.up|export\s+(async\s+)?function\s+up|up\s*:\s*(async\s*)?(function|\())/.test(
      content,
    )
  )
    return "knex";
  return undefined;
}

/**
 * @param siblings the files beside the migration at the deployed revision, for pairs such as
 *   Flyway's V2__x.sql and its undo U2__x.sql, or golang-migrate's 2_x.up.sql and 2_x.down.sql.
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
    case "typeorm":
      return steps(path, content, TYPEORM);
    case "sequelize":
      return steps(path, content, SEQUELIZE);
    case "laravel":
      return steps(path, content, LARAVEL);
    case "efcore":
      return steps(path, content, EF_CORE);
    case "goose":
      return goose(path, content);
    default:
      return verdict(
        path,
        "unrecognised",
        "unknown",
        "not a migration format EnvSync recognises; read it before rolling back",
      );
  }
}

// `ALTER TABLE t DROP x` drops column x (MySQL lets COLUMN out); dropping a constraint, an index
// or a default loses no data, and frameworks generate those in ordinary migrations.
const SQL_DESTRUCTIVE =
  /\b(DROP\s+(TABLE|COLUMN|SCHEMA|DATABASE|TYPE|VIEW)|TRUNCATE\b|ALTER\s+TABLE\s+\S+\s+DROP\b(?!\s+(CONSTRAINT|INDEX|KEY|PRIMARY|FOREIGN|CHECK|DEFAULT)\b))/i;
/** A statement that rewrites or deletes rows, behind a `WITH` too. */
const SQL_REWRITE = /^(?:WITH\b[^;]*?\b)?(DELETE\s+FROM|UPDATE\s+\S+\s+SET)\b/i;
/** Destructive SQL inside code (a string passed to a query call), deletes included. */
const EMBEDDED_SQL = new RegExp(`${SQL_DESTRUCTIVE.source}|\\bDELETE\\s+FROM\\b`, "i");
/** The markers of SQL files that hold their own down step (dbmate, sql-migrate, goose). */
const SQL_DOWN_MARKER = /^\s*--\s*(\+migrate\s+down|migrate:down|\+goose\s+down)\b/i;
const SQL_UP_MARKER = /^[ \t]*--\s*(\+migrate\s+up|migrate:up|\+goose\s+up)\b/im;
const FLYWAY_VERSIONED = /(^|\/)V(\d+(?:[._]\d+)*)__[^/]+\.sql$/i;
const FLYWAY_UNDO = /(^|\/)U\d+(?:[._]\d+)*__[^/]+\.sql$/;
const MIGRATE_UP = /^(.*\/)?(\d+_[^/]*)\.up\.sql$/;

/**
 * Files that go with a migration without being one: golang-migrate's `.down.sql` and Flyway's
 * `U…` undo (the way back, never run forward), EF Core's designer and model snapshot (generated
 * metadata). A rollback check judges the migration itself, with these as its pair.
 */
export function isCompanionFile(path: string): boolean {
  return (
    /\.down\.sql$/.test(path) ||
    FLYWAY_UNDO.test(path) ||
    /\.Designer\.cs$/.test(path) ||
    /ModelSnapshot\.cs$/.test(path)
  );
}

/**
 * The framework of a file found outside `rollback.migrations.paths`, when its content says it is a
 * migration beyond doubt. Looser signs that do inside the paths (any `.sql`, an `up` export) are
 * not enough here: ordinary source and SQL must not be taken for migrations.
 */
export function migrationByContent(path: string, content: string): Framework | undefined {
  const framework = detectFramework(path, content);
  switch (framework) {
    case "alembic":
      return /\b(down_revision|alembic)\b/.test(content) ? framework : undefined;
    case "knex":
      return /\bknex\b/i.test(content) ? framework : undefined;
    case "sql":
      return FLYWAY_VERSIONED.test(path) || MIGRATE_UP.test(path) || SQL_UP_MARKER.test(content)
        ? framework
        : undefined;
    default:
      return framework;
  }
}

/** The lines a unified diff adds, each with its line number in the new file. */
export function addedLines(diff: string): { line: number; text: string }[] {
  const added: { line: number; text: string }[] = [];
  let next: number | undefined;
  for (const row of diff.split("\n")) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row);
    if (hunk) next = Number(hunk[1]);
    // Before the first hunk, `+++ b/…` is the header, not an added line.
    else if (next !== undefined && row.startsWith("+"))
      added.push({ line: next++, text: row.slice(1) });
    else if (next !== undefined && row.startsWith(" ")) next++;
  }
  return added;
}

/**
 * A plain SQL file outside the migration paths matters when what was added to it destroys data:
 * the first such added line, or nothing.
 */
export function destructiveAddedSql(
  path: string,
  added: readonly { line: number; text: string }[],
): MigrationFinding | undefined {
  // The added lines read as one text (a statement may span them), each line mapped back.
  const { statements } = scanSql(added.map((a) => a.text).join("\n"));
  const hit = statements.find((s) => SQL_DESTRUCTIVE.test(s.text));
  return hit
    ? verdict(path, "sql", "irreversible", "adds SQL that drops or truncates", {
        line: added[hit.line - 1]!.line,
        text: hit.source,
      })
    : undefined;
}

/** One SQL statement: its text with comments as whitespace and runs of whitespace as one space. */
interface Statement {
  /** Offset of its first character in the scanned text. */
  at: number;
  line: number;
  text: string;
  /** The line it starts on, as written, to quote. */
  source: string;
}

/** A `--` comment that is a whole line of its own, outside any block comment or string. */
interface LineComment {
  at: number;
  line: number;
  text: string;
}

interface ScannedSql {
  statements: Statement[];
  lineComments: LineComment[];
}

/**
 * Reads SQL the way a database does, in one pass (linear in its length): `--` and `/* … *\/`
 * comments count as whitespace (so `DROP/**\/TABLE` is `DROP TABLE`), string literals and quoted
 * names are kept whole (a `--` or `;` inside one starts nothing), and statements end at `;`, so
 * `BEGIN; DELETE FROM t; COMMIT;` on one line is three statements. Markers (`-- +migrate Down`,
 * `--rollback`) are whole-line comments outside block comments: `lineComments`.
 */
function scanSql(content: string): ScannedSql {
  const statements: Statement[] = [];
  const lineComments: LineComment[] = [];
  const lines = content.split("\n");
  let line = 1;
  let current = "";
  let currentAt = -1;
  let currentLine = 1;
  const flush = () => {
    const text = current.replace(/\s+/g, " ").trim();
    if (text !== "")
      statements.push({
        at: currentAt,
        line: currentLine,
        text,
        source: lines[currentLine - 1]!.trim(),
      });
    current = "";
    currentAt = -1;
  };
  const add = (text: string, at: number) => {
    if (currentAt < 0 && /\S/.test(text)) {
      currentAt = at;
      currentLine = line;
    }
    current += text;
  };
  let i = 0;
  while (i < content.length) {
    const c = content[i]!;
    if (c === "\n") {
      line++;
      current += " ";
      i++;
    } else if (c === "-" && content[i + 1] === "-") {
      const end = content.indexOf("\n", i);
      const stop = end < 0 ? content.length : end;
      // A line comment is the line's only content when nothing but whitespace comes before it.
      if (content.slice(content.lastIndexOf("\n", i - 1) + 1, i).trim() === "")
        lineComments.push({ at: i, line, text: content.slice(i, stop).trimEnd() });
      current += " ";
      i = stop;
    } else if (c === "/" && content[i + 1] === "*") {
      const end = content.indexOf("*/", i + 2);
      const stop = end < 0 ? content.length : end + 2;
      for (let j = i; j < stop; j++) if (content[j] === "\n") line++;
      current += " ";
      i = stop;
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < content.length && content[j] !== c) j++;
      const stop = Math.min(j + 1, content.length);
      const literal = content.slice(i, stop);
      add(literal, i);
      for (const ch of literal) if (ch === "\n") line++;
      i = stop;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(content.slice(i, i + 64))) {
      // PostgreSQL dollar quoting: `$$ … $$` or `$tag$ … $tag$`, a function body kept whole.
      const tag = /^\$[A-Za-z_]*\$/.exec(content.slice(i, i + 64))![0];
      const end = content.indexOf(tag, i + tag.length);
      const stop = end < 0 ? content.length : end + tag.length;
      const literal = content.slice(i, stop);
      add(literal, i);
      for (const ch of literal) if (ch === "\n") line++;
      i = stop;
    } else if (c === ";") {
      flush();
      i++;
    } else {
      add(c, i);
      i++;
    }
  }
  flush();
  return { statements, lineComments };
}

const statementHit = (s: Statement): Hit => ({ line: s.line, text: s.source });

/** The first statement matching `pattern`, starting before offset `before`. */
function findStatement(
  statements: readonly Statement[],
  pattern: RegExp,
  before = Infinity,
): Hit | undefined {
  const hit = statements.find((s) => s.at < before && pattern.test(s.text));
  return hit && statementHit(hit);
}

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
      .split(/^[ \t]*end\b/m)[0]!;
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
  const { statements } = scanSql(content);
  const destructive =
    findStatement(statements, SQL_DESTRUCTIVE) ?? findStatement(statements, SQL_REWRITE);
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

/**
 * `text` with each span from `open` to the next `close` (or to the end, when none closes it) as
 * spaces, newlines kept. One pass: each search starts where the last span ended, so an unclosed
 * `<!--` or `/*` repeated many times costs one scan, where `open[\s\S]*?close` rescans the rest of
 * the text from each.
 */
function blankSpans(text: string, open: RegExp, close: string): string {
  const opener = new RegExp(open.source, "g");
  let out = "";
  let from = 0;
  for (let m = opener.exec(text); m; m = opener.exec(text)) {
    const end = text.indexOf(close, m.index + m[0].length);
    const stop = end < 0 ? text.length : end + close.length;
    out += text.slice(from, m.index) + text.slice(m.index, stop).replace(/[^\n]/g, " ");
    from = opener.lastIndex = stop;
    if (end < 0) break;
  }
  return out + text.slice(from);
}

/** Code without `//` and `/* *\/` comments (as spaces, lines kept), in one pass like blankSpans. */
function withoutCComments(text: string): string {
  const opener = /\/[/*]/g;
  let out = "";
  let from = 0;
  for (let m = opener.exec(text); m; m = opener.exec(text)) {
    const line = m[0] === "//";
    const end = line ? text.indexOf("\n", m.index) : text.indexOf("*/", m.index + 2);
    const stop = end < 0 ? text.length : line ? end : end + 2;
    out += text.slice(from, m.index) + text.slice(m.index, stop).replace(/[^\n]/g, " ");
    from = opener.lastIndex = stop;
    if (end < 0) break;
  }
  return out + text.slice(from);
}

/** The changeset without its rollback parts (XML blocks, `-- rollback` lines, YAML `rollback:`), lines kept. */
function withoutRollbacks(content: string): string {
  const lines = blankSpans(content, /<rollback\b/, "</rollback>").split("\n");
  let yamlIndent = -1;
  return lines
    .map((line) => {
      const indent = line.search(/\S/);
      if (yamlIndent >= 0 && (indent > yamlIndent || line.trim() === "")) return "";
      yamlIndent = /^\s*(-\s*)?rollback:/.test(line) ? indent : -1;
      return /^\s*--\s*rollback\b/i.test(line) || yamlIndent >= 0 ? "" : line;
    })
    .join("\n");
}

const LIQUIBASE_SQL_DESTRUCTIVE = new RegExp(
  `^(DROP|TRUNCATE|DELETE)\\b|ALTER\\s+TABLE\\s+\\S+\\s+DROP\\b|${SQL_DESTRUCTIVE.source}`,
  "i",
);

function liquibase(path: string, content: string): MigrationFinding {
  if (/\.sql$/i.test(path)) return liquibaseSql(path, content);
  // XML comments are not changes: `<!-- <rollback> -->` neither opens a rollback nor hides a drop.
  const uncommented = blankSpans(content, /<!--/, "-->");
  const forward = withoutRollbacks(uncommented);
  const destructive = find(
    forward,
    new RegExp(
      `<(dropTable|dropColumn|delete)\\b|\\b(dropTable|dropColumn|delete):|^\\s*(DROP|TRUNCATE|DELETE)\\b|ALTER\\s+TABLE\\s+\\S+\\s+DROP\\b|${EMBEDDED_SQL.source}`,
      "i",
    ),
  );
  const rollback = find(uncommented, /<rollback\b|^\s*(-\s*)?rollback:/i);
  if (destructive)
    return verdict(path, "liquibase", "irreversible", "drops or deletes data", destructive);
  const rewrite = find(forward, /\b(DELETE\s+FROM|UPDATE\s+\S+\s+SET)\b/i);
  if (!rollback && rewrite)
    return verdict(path, "liquibase", "irreversible", "rewrites data without a rollback", rewrite);
  return liquibaseVerdict(path, rollback);
}

/**
 * Liquibase formatted SQL: `--rollback` lines are whole-line comments outside block comments;
 * every other comment is whitespace, and each statement is judged on its own.
 */
function liquibaseSql(path: string, content: string): MigrationFinding {
  const { statements, lineComments } = scanSql(content);
  const rollbackLine = lineComments.find((c) => /^\s*--\s*rollback\b/i.test(c.text));
  const rollback: Hit | undefined = rollbackLine && {
    line: rollbackLine.line,
    text: rollbackLine.text,
  };
  const destructive = findStatement(statements, LIQUIBASE_SQL_DESTRUCTIVE);
  if (destructive)
    return verdict(path, "liquibase", "irreversible", "drops or deletes data", destructive);
  const rewrite = findStatement(statements, SQL_REWRITE);
  if (!rollback && rewrite)
    return verdict(path, "liquibase", "irreversible", "rewrites data without a rollback", rewrite);
  return liquibaseVerdict(path, rollback);
}

function liquibaseVerdict(path: string, rollback: Hit | undefined): MigrationFinding {
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
  // Up and down in one file (dbmate, sql-migrate, goose): judge only the up part. A marker is a
  // whole-line comment of its own; one inside a block comment or after a statement is not.
  const { statements, lineComments } = scanSql(content);
  const marker = lineComments.find((c) => SQL_DOWN_MARKER.test(c.text));
  const downMarker: Hit | undefined = marker && { line: marker.line, text: marker.text };
  const upTo = marker?.at ?? Infinity;
  const destructive = findStatement(statements, SQL_DESTRUCTIVE, upTo);
  if (destructive) return verdict(path, "sql", "irreversible", "drops or truncates", destructive);
  const flyway = FLYWAY_VERSIONED.exec(path);
  const up = MIGRATE_UP.exec(path);
  // golang-migrate's undo is the .down.sql beside it; Flyway's, a U file of the same version.
  const undo = flyway
    ? siblings.find((s) =>
        new RegExp(`(^|/)U${flyway[2]!.replace(/\./g, "\\.")}__[^/]+\\.sql$`, "i").test(s),
      )
    : up
      ? siblings.find((s) => s === `${up[1] ?? ""}${up[2]}.down.sql`)
      : undefined;
  const rewrite = findStatement(statements, SQL_REWRITE, upTo);
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
  const body = withoutCComments(
    content
      .split("\n")
      .slice(down.line - 1)
      .join("\n")
      .replace(/^[^{]*\{/, ""),
  )
    .replace(/return\s*(Promise\.resolve\(\s*\))?\s*;?/g, "")
    .replace(/[{}();\s]/g, "");
  if (body === "") return verdict(path, "knex", "irreversible", "down() is empty", down);
  return verdict(path, "knex", "reversible", "has a down()", down);
}

/** Where a function's body is: its lines (0-based, end exclusive) and the text inside its braces. */
interface Block {
  from: number;
  to: number;
  body: string;
}

/** The index after a comment or string literal starting at `i`, or `i` when none starts there. */
function skipLiteral(text: string, i: number): number {
  const two = text.slice(i, i + 2);
  if (two === "//") {
    const end = text.indexOf("\n", i);
    return end < 0 ? text.length : end;
  }
  if (two === "/*") {
    const end = text.indexOf("*/", i + 2);
    return end < 0 ? text.length : end + 2;
  }
  const quote = text[i];
  if (quote !== '"' && quote !== "'" && quote !== "`") return i;
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === quote) return j + 1;
    // Only template literals and Go's raw strings span lines; elsewhere a stray quote ends here.
    else if (text[j] === "\n" && quote !== "`") return j;
  }
  return text.length;
}

/**
 * The body of the function declared on line `decl`: the braces after its parameters (PHP and C#
 * open them on the next line), or an arrow function's expression. Undefined for a declaration
 * without a body.
 */
function codeBlock(lines: readonly string[], decl: number): Block | undefined {
  const text = lines.slice(decl).join("\n");
  const lineAt = (index: number) => decl + (text.slice(0, index).match(/\n/g)?.length ?? 0);
  let depth = 0;
  for (let i = 0; i < text.length;) {
    const next = skipLiteral(text, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = text[i]!;
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (depth === 0 && c === ";") return undefined;
    else if (depth === 0 && text.startsWith("=>", i)) {
      const start = i + 2 + text.slice(i + 2).search(/\S|$/);
      if (text[start] !== "{") return expression(text, start, lineAt);
      i = start;
      continue;
    } else if (depth === 0 && c === "{") return braces(text, i, lineAt);
    i++;
  }
  return undefined;
}

function braces(text: string, open: number, lineAt: (index: number) => number): Block {
  let depth = 0;
  for (let i = open; i < text.length;) {
    const next = skipLiteral(text, i);
    if (next !== i) {
      i = next;
      continue;
    }
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0)
      return { from: lineAt(0), to: lineAt(i) + 1, body: text.slice(open + 1, i) };
    i++;
  }
  return { from: lineAt(0), to: lineAt(text.length) + 1, body: text.slice(open + 1) };
}

/** An arrow function's expression body: up to the `,` or `;` that ends it, or its enclosing `}`. */
function expression(text: string, start: number, lineAt: (index: number) => number): Block {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const next = skipLiteral(text, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = text[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c) && --depth < 0) break;
    else if (depth === 0 && (c === "," || c === ";")) break;
    i++;
  }
  return { from: lineAt(0), to: lineAt(i) + 1, body: text.slice(start, i) };
}

/** A body that does nothing: only comments, braces and bare returns. */
function isEmptyBody(body: string): boolean {
  return (
    withoutCComments(body)
      .replace(/^[ \t]*#.*$/gm, "")
      .replace(
        /\breturn\b\s*(nil|null|undefined|Promise\.resolve\(\s*\)|Task\.CompletedTask)?\s*;?/g,
        "",
      )
      .replace(/[{}();\s]/g, "") === ""
  );
}

/** The lines of `block` blanked, numbering kept. */
function without(content: string, block: Block | undefined): string {
  if (!block) return content;
  return content
    .split("\n")
    .map((line, i) => (i >= block.from && i < block.to ? "" : line))
    .join("\n");
}

/** A JavaScript or TypeScript migration step: a method, an object property or an export. */
function jsStep(name: "up" | "down"): RegExp {
  return new RegExp(
    String.raw`^\s*((public|private|protected)\s+)?(static\s+)?(async\s+)?${name}\s*[(:]|` +
      String.raw`\bexports\.${name}\s*=|\bexport\s+(async\s+)?function\s+${name}\b|` +
      String.raw`\bexport\s+const\s+${name}\b`,
  );
}

/** A framework whose migrations have an up and a down function. */
interface StepFramework {
  framework: Framework;
  up: RegExp;
  down: RegExp;
  /** A call in the up step that destroys data. */
  destructive: RegExp;
  /** How the down step is called, for the reasons. */
  upName: string;
  downName: string;
}

const withEmbeddedSql = (calls: RegExp) =>
  new RegExp(`${calls.source}|${EMBEDDED_SQL.source}`, "i");

const TYPEORM: StepFramework = {
  framework: "typeorm",
  up: jsStep("up"),
  down: jsStep("down"),
  destructive: withEmbeddedSql(
    /\.(dropColumns?|dropTable|clearTable|dropSchema|dropDatabase)\s*\(/,
  ),
  upName: "up()",
  downName: "down()",
};

const SEQUELIZE: StepFramework = {
  framework: "sequelize",
  up: jsStep("up"),
  down: jsStep("down"),
  destructive: withEmbeddedSql(
    /\.(removeColumn|dropTable|dropAllTables|bulkDelete|dropSchema|dropAllSchemas)\s*\(/,
  ),
  upName: "up",
  downName: "down",
};

const LARAVEL: StepFramework = {
  framework: "laravel",
  up: /^\s*((public|protected)\s+)?function\s+up\s*\(/,
  down: /^\s*((public|protected)\s+)?function\s+down\s*\(/,
  // Schema::drop*, a Blueprint's drop of the table or of columns, and deleted rows.
  destructive: withEmbeddedSql(
    /Schema::(drop|dropIfExists|dropColumns)\s*\(|->(drop|dropIfExists|dropColumns?|dropMorphs|dropTimestamps(Tz)?|dropSoftDeletes(Tz)?|dropRememberToken|dropConstrainedForeignId|truncate|delete)\s*\(/,
  ),
  upName: "up()",
  downName: "down()",
};

const EF_CORE: StepFramework = {
  framework: "efcore",
  up: /^\s*(public|protected)\s+override\s+void\s+Up\s*\(/,
  down: /^\s*(public|protected)\s+override\s+void\s+Down\s*\(/,
  destructive: withEmbeddedSql(/migrationBuilder\.(DropColumn|DropTable|DropSchema|DeleteData)\b/),
  upName: "Up()",
  downName: "Down()",
};

/**
 * Up and down as functions: irreversible when the up step drops or deletes data, or the down step
 * is missing or does nothing.
 */
function steps(path: string, content: string, spec: StepFramework): MigrationFinding {
  const lines = content.split("\n");
  const { framework, upName, downName } = spec;
  const downHit = find(content, spec.down);
  const downBlock = downHit && codeBlock(lines, downHit.line - 1);
  const upHit = find(content, spec.up);
  const upBlock = upHit && codeBlock(lines, upHit.line - 1);
  // The up step's lines when they can be told apart; otherwise everything but the down step.
  const destructive = upBlock
    ? find(content, spec.destructive, upBlock.from, upBlock.to)
    : find(
        downBlock ? without(content, downBlock) : forwardPart(content, downHit),
        spec.destructive,
      );
  if (destructive)
    return verdict(
      path,
      framework,
      "irreversible",
      `drops or deletes data in ${upName}`,
      destructive,
    );
  if (!downHit) return verdict(path, framework, "irreversible", `no ${downName}`, upHit);
  if (!downBlock)
    return verdict(path, framework, "unknown", `${downName} has no body EnvSync can read`, downHit);
  if (isEmptyBody(downBlock.body))
    return verdict(path, framework, "irreversible", `${downName} is empty`, downHit);
  return verdict(path, framework, "reversible", `has a ${downName}`, downHit);
}

/** goose's Go migrations: `goose.AddMigration(up, down)`, where a nil down means no way back. */
function goose(path: string, content: string): MigrationFinding {
  const call = find(content, /\bgoose\.AddMigration\w*\s*\(/);
  const named = /\bgoose\.AddMigration\w*\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)/.exec(content);
  if (!named)
    return verdict(
      path,
      "goose",
      "unknown",
      "goose migration with inline functions; read it before rolling back",
      call,
    );
  const [, upName, downName] = named;
  const lines = content.split("\n");
  const declared = (name: string) => {
    const hit = find(content, new RegExp(String.raw`^func\s+${name}\s*\(`));
    return hit && { hit, block: codeBlock(lines, hit.line - 1) };
  };
  const up = upName === "nil" ? undefined : declared(upName!);
  const destructive = up?.block && find(content, EMBEDDED_SQL, up.block.from, up.block.to);
  if (destructive)
    return verdict(
      path,
      "goose",
      "irreversible",
      `drops or deletes data in ${upName}`,
      destructive,
    );
  if (downName === "nil")
    return verdict(path, "goose", "irreversible", "registered with a nil down function", call);
  const down = declared(downName!);
  if (down?.block && isEmptyBody(down.block.body))
    return verdict(path, "goose", "irreversible", `${downName} does nothing`, down.hit);
  return verdict(
    path,
    "goose",
    "reversible",
    `has a down function, ${downName}`,
    down?.hit ?? call,
  );
}
