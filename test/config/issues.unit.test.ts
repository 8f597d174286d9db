import { describe, expect, it } from "vitest";
import { describeIssues, knownKeysAt } from "../../src/config/issues.js";
import { configSchema } from "../../src/config/schema.js";

// The raw objects are what envsync.yaml parses to; zod's issues come from the real schema.
const ENVIRONMENTS = { dev: { branch: "develop" }, production: { branch: "main" } };
const issuesOf = (raw: Record<string, unknown>) => {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return [];
  return describeIssues(parsed.error.issues, raw, configSchema);
};

describe("describeIssues", () => {
  it("reports an unknown key at the key, with the close allowed one", () => {
    expect(issuesOf({ version: 1, environments: ENVIRONMENTS, drfit: {} })).toEqual([
      {
        path: ["drfit"],
        target: "key",
        code: "unknown-key",
        message: "unknown key 'drfit'",
        hint: "did you mean 'drift'?",
      },
    ]);
  });

  it("lists the allowed keys when no key is close", () => {
    const raw = { version: 1, environments: { ...ENVIRONMENTS, dev: { branch: "d", zzz: 1 } } };
    expect(issuesOf(raw)[0]?.hint).toBe(
      "allowed here: branch, gitlab_environment, deploy_jobs, protected, risk, protection",
    );
  });

  it("reports a missing required key at its parent, saying where to add it", () => {
    expect(
      issuesOf({ version: 1, environments: { dev: {}, production: { branch: "main" } } }),
    ).toEqual([
      {
        path: ["environments", "dev", "branch"],
        target: "key",
        code: "missing-key",
        message: "missing required key 'branch'",
        hint: "add branch: under environments.dev",
      },
    ]);
  });

  it("names the expected and the found type in plain words", () => {
    const raw = { version: 1, environments: ENVIRONMENTS, drift: { ignore: "docs/**" } };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: ["drift", "ignore"],
        code: "wrong-type",
        message: "expected a list, found 'docs/**'",
      }),
    ]);
  });

  it("suggests the close allowed value of an enumeration", () => {
    const raw = {
      version: 1,
      environments: ENVIRONMENTS,
      conflicts: { auto_resolve: [{ paths: ["a"], strategy: "theris" }] },
    };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: ["conflicts", "auto_resolve", 0, "strategy"],
        code: "invalid-value",
        message: `'theris' is not one of "regenerate", "ours", "theirs", "union"`,
        hint: "did you mean 'theirs'?",
      }),
    ]);
  });

  it("says what the one allowed value is", () => {
    expect(issuesOf({ version: 2, environments: ENVIRONMENTS })).toEqual([
      expect.objectContaining({ code: "invalid-value", message: "must be 1, found the number 2" }),
    ]);
  });

  it("keeps a custom check's message and hint, without zod's prefixes", () => {
    const raw = { version: 1, environments: ENVIRONMENTS, drift: { schedule: "0 6 * *" } };
    const [issue] = issuesOf(raw);
    expect(issue).toMatchObject({ path: ["drift", "schedule"], code: "custom" });
    expect(issue?.message).toMatch(/^cron needs five fields/);
    expect(issue?.hint).toMatch(/^use five fields/);
  });
});

describe("knownKeysAt", () => {
  it("finds an object's keys through defaults, lists and records", () => {
    expect(knownKeysAt(configSchema, ["rollback", "migrations"])).toEqual(["paths"]);
    expect(knownKeysAt(configSchema, ["conflicts", "auto_resolve", 0])).toEqual([
      "paths",
      "strategy",
      "command",
    ]);
    expect(knownKeysAt(configSchema, ["environments", "anything"])).toEqual([
      "branch",
      "gitlab_environment",
      "deploy_jobs",
      "protected",
      "risk",
      "protection",
    ]);
  });

  it("finds nothing below a value that is not an object", () => {
    expect(knownKeysAt(configSchema, ["version", "x"])).toEqual([]);
    expect(knownKeysAt(configSchema, ["nope"])).toEqual([]);
  });
});
