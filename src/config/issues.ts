/**
 * Turns zod issues into user-facing problems: plain words, the received type, a did-you-mean for
 * unknown keys, and a hint where one helps.
 */
import type * as z from "zod";
import { closest } from "./suggest.js";

export interface SchemaIssue {
  path: (string | number)[];
  target: "key" | "value";
  message: string;
  hint?: string;
  code: string;
}

export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  schema: z.ZodType,
): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({
          path: [...path, key],
          target: "key",
          code: "unknown-key",
          message: `unknown key '${key}'`,
          hint: guess ? `did you mean '${guess}'?` : `allowed here: ${known.join(", ")}`,
        });
      }
      continue;
    }
    const parent = valueAt(raw, path.slice(0, -1));
    const last = path[path.length - 1];
    const missing = path.length > 0 && isObjectLike(parent) && !(String(last) in parent);
    if (issue.code === "invalid_type" && missing) {
      out.push({
        path,
        target: "key",
        code: "missing-key",
        message: `missing required key '${String(last)}'`,
        hint: `add ${String(last)}: under ${path.slice(0, -1).join(".") || "the top level"}`,
      });
      continue;
    }
    if (issue.code === "invalid_type") {
      out.push({
        path,
        target: "value",
        code: "wrong-type",
        message: `expected ${article(issue.expected)}, found ${describeValue(valueAt(raw, path))}`,
      });
      continue;
    }
    if (issue.code === "invalid_value") {
      const options = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const value = valueAt(raw, path);
      const guess =
        typeof value === "string" ? closest(value, issue.values.map(String)) : undefined;
      out.push({
        path,
        target: "value",
        code: "invalid-value",
        message:
          issue.values.length === 1
            ? `must be ${options}, found ${describeValue(value)}`
            : `${describeValue(value)} is not one of ${options}`,
        ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
      });
      continue;
    }
    const params = (issue as { params?: { hint?: string } }).params;
    out.push({
      path,
      target: "value",
      code: issue.code.replace(/_/g, "-"),
      message: cleanMessage(issue.message),
      ...(params?.hint ? { hint: params.hint } : {}),
    });
  }
  return out;
}

function cleanMessage(message: string): string {
  return message
    .replace(/^Invalid input: /, "")
    .replace(/^Too small: /, "")
    .replace(/^Too big: /, "");
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    string: "a string",
    number: "a number",
    boolean: "true or false",
    int: "a whole number",
  };
  return names[type] ?? type;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value === "number" ? "the number" : ""} ${JSON.stringify(value) ?? typeof value}`.trim();
}

function isObjectLike(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let node = raw;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
};
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The keys an object schema allows at `path`, for did-you-mean suggestions. */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let node: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
    let current = s;
    for (;;) {
      if (!current) return undefined;
      const def = defOf(current);
      if (def.innerType) current = def.innerType;
      else if (def.type === "pipe" && def.in) current = def.in;
      else return current;
    }
  };
  for (const segment of path) {
    node = unwrap(node);
    if (!node) return [];
    const def = defOf(node);
    if (def.type === "object") node = def.shape?.[String(segment)];
    else if (def.type === "array") node = def.element;
    else if (def.type === "record") node = def.valueType;
    else return [];
  }
  node = unwrap(node);
  const def = node ? defOf(node) : undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}
