/**
 * Rules that relate one part of envsync.yaml to another. They run on the raw parsed YAML, not on
 * zod's output, so they still report when an unrelated key has a type error: the user sees every
 * problem in one pass. Each check tolerates wrong shapes (zod reports those).
 */
import { closest } from "./suggest.js";
import { MAX_TEXT_LENGTH, unsafeCharacter } from "./text.js";
import { ENV_NAME } from "./schema.js";

export interface RuleIssue {
  path: (string | number)[];
  /** Point at the key itself (names) or its value. */
  target: "key" | "value";
  message: string;
  hint?: string;
  code: string;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const asDict = (v: unknown): Dict => (isDict(v) ? v : {});

export function checkRules(raw: unknown): RuleIssue[] {
  const root = asDict(raw);
  const issues: RuleIssue[] = [...checkText(raw, [])];
  const envs = asDict(root.environments);
  const envNames = Object.keys(envs);

  if (isDict(root.environments) && envNames.length < 2) {
    issues.push({
      path: ["environments"],
      target: "key",
      code: "too-few-environments",
      message: `define at least two environments (found ${envNames.length})`,
      hint: "EnvSync keeps environment branches in step, e.g. dev: { branch: develop } and production: { branch: main }",
    });
  }
  for (const name of envNames) {
    if (!ENV_NAME.test(name)) {
      issues.push({
        path: ["environments", name],
        target: "key",
        code: "invalid-environment-name",
        message: `environment name '${name}' is not allowed`,
        hint: "start with a letter; use letters, digits, '-' and '_' (at most 63 characters)",
      });
    }
  }
  issues.push(...uniqueBranches(envs, ["environments"]));
  issues.push(...supersededRollbackKeys(asDict(root.rollback)));

  const references = (
    path: (string | number)[],
    list: unknown,
    what: string,
    allowed = envNames,
  ) => {
    if (!Array.isArray(list)) return;
    const seen = new Set<unknown>();
    list.forEach((item, index) => {
      if (typeof item !== "string") return;
      if (!allowed.includes(item))
        issues.push(unknownEnvironment([...path, index], item, what, allowed, "value"));
      else if (seen.has(item)) {
        issues.push({
          path: [...path, index],
          target: "value",
          code: "duplicate-environment",
          message: `'${item}' is listed twice in ${what}`,
          hint: "list each environment once",
        });
      }
      seen.add(item);
    });
  };

  const promotion = asDict(root.promotion);
  references(["promotion", "chain"], promotion.chain, "promotion.chain");
  const drift = asDict(root.drift);
  if (Array.isArray(drift.expected)) {
    drift.expected.forEach((rule, index) =>
      references(
        ["drift", "expected", index, "between"],
        asDict(rule).between,
        "drift.expected[].between",
      ),
    );
  }
  references(
    ["rollback", "require_confirmation"],
    asDict(root.rollback).require_confirmation,
    "rollback.require_confirmation",
  );
  references(
    ["rollback", "auto", "environments"],
    asDict(asDict(root.rollback).auto).environments,
    "rollback.auto.environments",
  );
  references(
    ["pipeline_doctor", "compare_with"],
    asDict(root.pipeline_doctor).compare_with,
    "pipeline_doctor.compare_with",
  );

  const conflicts = asDict(root.conflicts);
  if (Array.isArray(conflicts.auto_resolve)) {
    conflicts.auto_resolve.forEach((item, index) => {
      const rule = asDict(item);
      if (rule.strategy === "regenerate" && rule.command === undefined) {
        issues.push({
          path: ["conflicts", "auto_resolve", index, "strategy"],
          target: "value",
          code: "missing-command",
          message: "strategy 'regenerate' needs a command that rebuilds the files",
          hint: 'add e.g. command: "npm install --package-lock-only --ignore-scripts"',
        });
      }
      if (
        typeof rule.strategy === "string" &&
        rule.strategy !== "regenerate" &&
        rule.command !== undefined
      ) {
        issues.push({
          path: ["conflicts", "auto_resolve", index, "command"],
          target: "key",
          code: "unused-command",
          message: `command is only used with strategy 'regenerate', not '${rule.strategy}'`,
          hint: "remove the command or change the strategy to regenerate",
        });
      }
    });
  }

  if (Array.isArray(root.projects)) {
    const seenPaths = new Map<string, number>();
    root.projects.forEach((item, index) => {
      const project = asDict(item);
      if (typeof project.path === "string") {
        const first = seenPaths.get(project.path);
        if (first !== undefined) {
          issues.push({
            path: ["projects", index, "path"],
            target: "value",
            code: "duplicate-project",
            message: `project '${project.path}' is already listed as projects[${first}]`,
            hint: "list each project once",
          });
        } else seenPaths.set(project.path, index);
      }
      const overrides = asDict(project.environments);
      for (const name of Object.keys(overrides)) {
        if (!envNames.includes(name))
          issues.push(
            unknownEnvironment(
              ["projects", index, "environments", name],
              name,
              "projects[].environments",
              envNames,
              "key",
            ),
          );
      }
      // Branch uniqueness must hold per project after overrides, or drift would compare a branch
      // with itself. Clashes without an override were already reported at the top level.
      const owner = new Map<string, { name: string; overridden: boolean }>();
      for (const name of envNames) {
        const override = asDict(overrides[name]).branch;
        const branch = override ?? asDict(envs[name]).branch;
        if (typeof branch !== "string") continue;
        const mine = { name, overridden: override !== undefined };
        const first = owner.get(branch);
        if (!first) {
          owner.set(branch, mine);
          continue;
        }
        if (!first.overridden && !mine.overridden) continue;
        const culprit = mine.overridden ? mine : first;
        const other = culprit === mine ? first : mine;
        issues.push({
          path: ["projects", index, "environments", culprit.name, "branch"],
          target: "value",
          code: "duplicate-branch",
          message: `in project '${String(project.path)}', branch '${branch}' is used by both '${other.name}' and '${culprit.name}'`,
          hint: "each environment needs its own branch in every project",
        });
      }
    });
  }
  return issues;
}

function uniqueBranches(envs: Dict, at: (string | number)[]): RuleIssue[] {
  const owner = new Map<string, string>();
  const issues: RuleIssue[] = [];
  for (const [name, value] of Object.entries(envs)) {
    const branch = asDict(value).branch;
    if (typeof branch !== "string") continue;
    const first = owner.get(branch);
    if (first !== undefined) {
      issues.push({
        path: [...at, name, "branch"],
        target: "value",
        code: "duplicate-branch",
        message: `branch '${branch}' is already used by environment '${first}'`,
        hint: "each environment needs its own branch",
      });
    } else owner.set(branch, name);
  }
  return issues;
}

function unknownEnvironment(
  path: (string | number)[],
  name: string,
  where: string,
  allowed: string[],
  target: "key" | "value",
): RuleIssue {
  const guess = closest(name, allowed);
  return {
    path,
    target,
    code: "unknown-environment",
    message: `${where} names '${name}', which is not defined under environments`,
    hint: guess
      ? `did you mean '${guess}'?`
      : `defined environments: ${allowed.join(", ") || "(none)"}`,
  };
}

/** Every key and string in the file: no unsafe character, no text longer than the limit. */
function checkText(value: unknown, path: (string | number)[]): RuleIssue[] {
  if (typeof value === "string") return textIssues(value, path, "value");
  if (Array.isArray(value)) return value.flatMap((item, i) => checkText(item, [...path, i]));
  if (!isDict(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...textIssues(key, [...path, key], "key"),
    ...checkText(item, [...path, key]),
  ]);
}

function textIssues(text: string, path: (string | number)[], target: "key" | "value"): RuleIssue[] {
  const unsafe = unsafeCharacter(text);
  if (unsafe)
    return [
      {
        path,
        target,
        code: "unsafe-character",
        message: `${unsafe.codePoint} at character ${unsafe.index + 1} is ${unsafe.what}`,
        hint: "retype the text without it: it could change how GitLab reads the compiled flows or how they look in review",
      },
    ];
  if (text.length > MAX_TEXT_LENGTH)
    return [
      {
        path,
        target,
        code: "too-long",
        message: `${text.length} characters; the limit is ${MAX_TEXT_LENGTH}`,
        hint: "say it shorter: every character reaches the flows' prompts",
      },
    ];
  return [];
}

/**
 * `rollback.auto_rollback_on_failure: true` and `rollback.min_confidence` were read by earlier
 * versions; nothing reads them now. Accepting them silently would leave a user believing automatic
 * rollback is on, so a value that asks for something is a problem that says where it went.
 */
function supersededRollbackKeys(rollback: Dict): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (rollback.auto_rollback_on_failure === true)
    issues.push({
      path: ["rollback", "auto_rollback_on_failure"],
      target: "key",
      code: "superseded-key",
      message: "rollback.auto_rollback_on_failure is no longer read: it turns nothing on",
      hint: "list the environments under rollback.auto instead: auto: { environments: [staging] }",
    });
  if (rollback.min_confidence !== undefined)
    issues.push({
      path: ["rollback", "min_confidence"],
      target: "key",
      code: "superseded-key",
      message: "rollback.min_confidence is no longer read",
      hint: "set rollback.auto.min_confidence instead",
    });
  return issues;
}
