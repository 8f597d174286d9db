/**
 * Writes calibrated thresholds into envsync.yaml's text and nothing else: comments, order, quoting
 * and line endings stay as they are. A threshold already in the file is replaced where it stands
 * (its scalar's source range, found through the yaml Document API); one that is missing is added
 * as text to its category's mapping, which the Document API locates. The result is read back and must differ
 * from the original only in those thresholds, or nothing is written.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { OTHER_CATEGORY } from "../config/learning-schema.js";
import { EnvsyncError } from "../errors.js";

/** category name → the threshold to write (`other` is `conflicts.ai_confidence_threshold`). */
export type ThresholdChanges = ReadonlyMap<string, number>;

export interface ThresholdEdit {
  text: string;
  /** What was changed, `conflicts.categories[1].threshold: 0.8 → 0.75`. */
  changed: string[];
  /** Categories of the record that the file does not list: nothing written for them. */
  missing: string[];
}

export function writeThresholds(text: string, changes: ThresholdChanges): ThresholdEdit {
  const changed: string[] = [];
  const missing: string[] = [];
  let current = text;
  for (const [category, value] of changes) {
    const doc = parseDocument(current);
    if (doc.errors.length > 0) throw unreadable(doc.errors[0]!.message);
    const path = thresholdPath(doc, category);
    if (!path) {
      missing.push(category);
      continue;
    }
    const node = doc.getIn(path, true) as Node | undefined;
    const before = isScalar(node) ? node.value : undefined;
    if (before === value) continue;
    const label = `${path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("")}`;
    if (isScalar(node) && node.range) {
      current = current.slice(0, node.range[0]) + String(value) + current.slice(node.range[1]);
    } else {
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      current = insertKey(current, parent, String(path.at(-1)), value);
    }
    changed.push(`${label}: ${typeof before === "number" ? before : "(default)"} → ${value}`);
  }
  checkOnlyThresholds(text, current, changes);
  return { text: current, changed, missing };
}

/**
 * Adds `key: value` to a mapping as text: inside a flow mapping before its `}`, in a block mapping
 * on a new line after its last entry at its keys' indentation; a missing `conflicts` is appended.
 */
function insertKey(text: string, parent: unknown, key: string, value: number): string {
  if (parent === undefined || parent === null) {
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const base = text === "" || text.endsWith("\n") ? text : `${text}${eol}`;
    return `${base}conflicts:${eol}  ${key}: ${value}${eol}`;
  }
  if (!isMap(parent) || !parent.range) throw cannotPlace(key);
  const [start, end] = parent.range;
  if (parent.flow) {
    const close = text.lastIndexOf("}", end);
    if (close < start) throw cannotPlace(key);
    let at = close;
    while (at > start && /\s/.test(text[at - 1]!)) at--;
    const empty = text[at - 1] === "{";
    return `${text.slice(0, at)}${empty ? "" : ","} ${key}: ${value}${text.slice(at)}`;
  }
  const last = parent.items.at(-1);
  const lastEnd = (last?.value as Node | null | undefined)?.range?.[1] ?? end;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const indent = " ".repeat(start - lineStart);
  const newline = text.indexOf("\n", lastEnd);
  const eol = text[newline - 1] === "\r" ? "\r\n" : "\n";
  if (newline < 0) return `${text}${eol}${indent}${key}: ${value}${eol}`;
  return `${text.slice(0, newline + 1)}${indent}${key}: ${value}${eol}${text.slice(newline + 1)}`;
}

function cannotPlace(key: string): EnvsyncError {
  return new EnvsyncError("config-invalid", `cannot add ${key} to envsync.yaml where it belongs`, {
    hint: "set the threshold by hand, as `envsync learn` reports it",
  });
}

/** Where a category's threshold lives in the document; undefined when the file lacks it. */
function thresholdPath(doc: Document, category: string): (string | number)[] | undefined {
  const conflicts = doc.get("conflicts", true);
  if (category === OTHER_CATEGORY)
    return isMap(conflicts) || conflicts === undefined
      ? ["conflicts", "ai_confidence_threshold"]
      : undefined;
  const categories = isMap(conflicts) ? conflicts.get("categories", true) : undefined;
  if (!isSeq(categories)) return undefined;
  const index = categories.items.findIndex((item) => isMap(item) && item.get("name") === category);
  return index < 0 ? undefined : ["conflicts", "categories", index, "threshold"];
}

/** The edit must leave everything but the thresholds equal, as data. */
function checkOnlyThresholds(before: string, after: string, changes: ThresholdChanges): void {
  const expected = parseDocument(before).toJS() as Record<string, unknown>;
  const got = parseDocument(after).toJS() as Record<string, unknown>;
  const conflicts = (expected.conflicts ?? {}) as Record<string, unknown>;
  for (const [category, value] of changes) {
    if (category === OTHER_CATEGORY) {
      expected.conflicts = conflicts;
      conflicts.ai_confidence_threshold = value;
      continue;
    }
    const list = (conflicts.categories ?? []) as Record<string, unknown>[];
    const entry = list.find((c) => c.name === category);
    if (entry) entry.threshold = value;
  }
  if (JSON.stringify(expected) !== JSON.stringify(got))
    throw new EnvsyncError(
      "internal",
      "writing the thresholds would change more of envsync.yaml than its thresholds",
    );
}

function unreadable(message: string): EnvsyncError {
  return new EnvsyncError("config-invalid", `envsync.yaml cannot be read as YAML: ${message}`, {
    hint: "fix the file on the default branch first (`envsync validate`)",
  });
}
