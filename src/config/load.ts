/**
 * envsync.yaml source → positions → ResolvedConfig. Every problem found is collected and thrown
 * together as one ConfigError; nothing here prints or exits.
 */
import { stat, readFile } from "node:fs/promises";
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Document } from "yaml";
import { ConfigError, type Problem } from "../errors.js";
import { describeIssues } from "./issues.js";
import { locate } from "./positions.js";
import { resolveConfig } from "./resolve.js";
import { checkRules } from "./rules.js";
import { configSchema } from "./schema.js";
import type { LoadedConfig, ResolvedConfig } from "./types.js";

/** A config is a few KB; anything past this is a mistake (a log, a binary) and is refused unread. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Bounds alias expansion so a "billion laughs" file cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;

export interface ConfigFs {
  stat(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean; size: number }>;
  readFile(path: string): Promise<Uint8Array>;
}

const nodeFs: ConfigFs = { stat, readFile };

export async function loadConfig(file: string, fs: ConfigFs = nodeFs): Promise<LoadedConfig> {
  const whole = (code: string, message: string, hint?: string): ConfigError =>
    new ConfigError([
      { file, line: 0, column: 0, path: "", code, message, ...(hint ? { hint } : {}) },
    ]);
  let info;
  try {
    info = await fs.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw whole(
        "not-found",
        "file not found",
        "`envsync init` writes one from your branches, or pass its path with -c",
      );
    throw whole("unreadable", `cannot read the file (${code ?? (error as Error).message})`);
  }
  if (info.isDirectory())
    throw whole(
      "is-directory",
      "is a directory, not a file",
      "pass the path of envsync.yaml itself with -c",
    );
  if (!info.isFile()) throw whole("not-a-file", "is not a regular file");
  if (info.size > MAX_CONFIG_BYTES) {
    throw whole(
      "too-large",
      `file is ${formatBytes(info.size)}; an envsync.yaml may be at most ${formatBytes(MAX_CONFIG_BYTES)}`,
      "check that -c points at the right file",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw whole(
      "unreadable",
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return { file, config: parseConfig(bytes, file) };
}

/** Parses and validates config bytes (or text); throws ConfigError with every problem found. */
export function parseConfig(source: Uint8Array | string, file: string): ResolvedConfig {
  if (typeof source !== "string" && source.byteLength > MAX_CONFIG_BYTES) {
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: "",
        code: "too-large",
        message: `file is ${formatBytes(source.byteLength)}; the limit is ${formatBytes(MAX_CONFIG_BYTES)}`,
      },
    ]);
  }
  const text = typeof source === "string" ? source : decodeUtf8(source, file);
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problem = (
    offset: number,
    code: string,
    message: string,
    hint?: string,
    path = "",
  ): Problem => ({
    file,
    ...at(offset),
    path,
    code,
    message,
    ...(hint ? { hint } : {}),
  });

  const body = text.replace(/^\uFEFF/, "");
  const docs = parseAllDocuments(body, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const all: Document[] = Array.isArray(docs) ? docs : [];
  const nonEmpty = all.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length === 0) {
    throw new ConfigError([
      problem(
        0,
        "empty",
        "the file is empty",
        "`envsync init` writes one from your branches (version: 1 and an environments mapping)",
      ),
    ]);
  }
  if (all.length > 1) {
    const second = all[1]!;
    const offset = second.range?.[0] ?? 0;
    throw new ConfigError([
      problem(
        offset,
        "multiple-documents",
        "the file holds more than one YAML document",
        "remove the '---' separator; envsync.yaml is a single document",
      ),
    ]);
  }
  const doc = all[0]!;
  const yamlProblems = [...doc.errors, ...doc.warnings].map((e) =>
    problem(e.pos[0], yamlCode(e.code), yamlMessage(e.code, e.message), yamlHint(e.code)),
  );
  if (yamlProblems.length > 0) throw new ConfigError(sortProblems(yamlProblems));

  if (!isMap(doc.contents)) {
    const found = isSeq(doc.contents)
      ? "a list"
      : isScalar(doc.contents)
        ? "a single value"
        : "something else";
    throw new ConfigError([
      problem(
        doc.contents?.range?.[0] ?? 0,
        "not-a-mapping",
        `the top level must be a mapping of keys, found ${found}`,
        "start with 'version: 1' and an 'environments:' mapping",
      ),
    ]);
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    const aliasBomb = /alias/i.test(message) && /excessive|count/i.test(message);
    throw new ConfigError([
      problem(
        0,
        aliasBomb ? "alias-limit" : "yaml-alias",
        aliasBomb
          ? `aliases expand too far (more than ${MAX_ALIAS_COUNT} expansions)`
          : `cannot resolve the YAML: ${message.split("\n")[0]}`,
        aliasBomb
          ? "write the values out instead of nesting anchors and aliases"
          : "check that every *alias has a matching &anchor before it",
      ),
    ]);
  }

  const found: Problem[] = [];
  const toProblem = (i: {
    path: (string | number)[];
    target: "key" | "value";
    message: string;
    hint?: string;
    code: string;
  }): Problem => ({
    file,
    ...locate(doc, lineCounter, i.path, i.target),
    path: keyPath(i.path),
    code: i.code,
    message: i.message,
    ...(i.hint ? { hint: i.hint } : {}),
  });
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    found.push(...describeIssues(parsed.error.issues, raw, configSchema).map(toProblem));
  found.push(...checkRules(raw).map(toProblem));
  if (found.length > 0 || !parsed.success) throw new ConfigError(sortProblems(dedupe(found)));
  return resolveConfig(parsed.data);
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, offset));
    const lines = before.split("\n");
    throw new ConfigError([
      {
        file,
        line: lines.length,
        column: lines[lines.length - 1]!.length + 1,
        path: "",
        code: "not-utf8",
        message: `byte 0x${bytes[offset]!.toString(16).padStart(2, "0")} at offset ${offset} is not valid UTF-8`,
        hint: "save the file as UTF-8",
      },
    ]);
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b < 0xe0
          ? 1
          : b >= 0xe0 && b < 0xf0
            ? 2
            : b >= 0xf0 && b < 0xf5
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // A strict decoder also rejects surrogates and overlong 3/4-byte forms; report those at the lead byte.
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(i, i + need + 1));
    } catch {
      return i;
    }
    i += need + 1;
  }
  return 0;
}

function yamlCode(code: string): string {
  if (code === "DUPLICATE_KEY") return "duplicate-key";
  if (code === "TAB_AS_INDENT") return "tab-indent";
  return "yaml-syntax";
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY")
    return "duplicate key: this key is already defined in the same mapping";
  if (code === "TAB_AS_INDENT") return "tab character used for indentation";
  return `YAML syntax error: ${message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "")}`;
}

function yamlHint(code: string): string | undefined {
  if (code === "DUPLICATE_KEY") return "keep one of the two entries; YAML does not merge them";
  if (code === "TAB_AS_INDENT") return "indent with spaces only";
  return "check indentation, quotes and brackets around this position";
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message),
  );
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** environments.staging.branch, promotion.chain[1] */
function keyPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    "",
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
