import { describe, expect, it } from "vitest";
import { checkRules, type RuleIssue } from "../../src/config/rules.js";

// checkRules reads the raw parsed YAML, before zod: every fixture here is the object a user's
// envsync.yaml parses to.
const ENVIRONMENTS = {
  dev: { branch: "develop" },
  staging: { branch: "staging" },
  production: { branch: "main", protected: true },
};
const config = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  environments: ENVIRONMENTS,
  ...extra,
});
const codes = (issues: RuleIssue[]) => issues.map((i) => i.code);

describe("checkRules", () => {
  it("finds nothing wrong in three environments with their own branches", () => {
    expect(checkRules(config())).toEqual([]);
  });

  it("finds nothing wrong in a config that uses every cross-reference correctly", () => {
    const raw = config({
      promotion: { chain: ["dev", "staging", "production"] },
      drift: { expected: [{ paths: ["config/**"], between: ["dev", "staging"], reason: "x" }] },
      rollback: { require_confirmation: ["production"] },
      pipeline_doctor: { compare_with: ["staging"] },
      conflicts: {
        auto_resolve: [
          { paths: ["package-lock.json"], strategy: "regenerate", command: "npm i" },
          { paths: ["CHANGELOG.md"], strategy: "union" },
        ],
      },
      projects: [
        { path: "acme/a", environments: { production: { branch: "release" } } },
        { path: "acme/b" },
      ],
    });
    expect(checkRules(raw)).toEqual([]);
  });

  it("leaves wrong shapes to the schema instead of failing on them", () => {
    for (const raw of [null, "text", 42, [], { environments: ["dev", "prod"] }])
      expect(checkRules(raw), JSON.stringify(raw)).toEqual([]);
    const wrongShapes = config({
      promotion: { chain: "dev" },
      drift: { expected: "all" },
      conflicts: { auto_resolve: { strategy: "regenerate" } },
      projects: { path: "acme/a" },
    });
    expect(checkRules(wrongShapes)).toEqual([]);
  });

  describe("environments", () => {
    it("asks for at least two environments, pointing at the environments key", () => {
      const [issue, ...rest] = checkRules({ environments: { dev: { branch: "develop" } } });
      expect(rest).toEqual([]);
      expect(issue).toMatchObject({
        code: "too-few-environments",
        path: ["environments"],
        target: "key",
        message: "define at least two environments (found 1)",
      });
    });

    it("counts an empty environments mapping as zero environments", () => {
      expect(checkRules({ environments: {} })[0]?.message).toContain("(found 0)");
    });

    it("rejects an environment name that does not start with a letter, at the name itself", () => {
      const raw = config({ environments: { ...ENVIRONMENTS, "2nd-dev": { branch: "dev2" } } });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "invalid-environment-name",
          path: ["environments", "2nd-dev"],
          target: "key",
          message: "environment name '2nd-dev' is not allowed",
        }),
      ]);
    });

    it("accepts names with letters, digits, '-' and '_' up to 63 characters", () => {
      const long = `e${"x".repeat(62)}`;
      const raw = config({ environments: { "qa_1-b": { branch: "qa" }, [long]: { branch: "l" } } });
      expect(checkRules(raw)).toEqual([]);
      const tooLong = config({
        environments: { [`${long}x`]: { branch: "l" }, a: { branch: "a" } },
      });
      expect(codes(checkRules(tooLong))).toEqual(["invalid-environment-name"]);
    });

    it("reports a branch used twice at the second environment, naming the first", () => {
      const raw = config({
        environments: {
          dev: { branch: "main" },
          staging: { branch: "s" },
          prod: { branch: "main" },
        },
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "duplicate-branch",
          path: ["environments", "prod", "branch"],
          target: "value",
          message: "branch 'main' is already used by environment 'dev'",
        }),
      ]);
    });
  });

  describe("references to environments", () => {
    it("reports an unknown name in promotion.chain at its index, suggesting the close one", () => {
      const raw = config({ promotion: { chain: ["dev", "stagign", "production"] } });
      expect(checkRules(raw)).toEqual([
        {
          code: "unknown-environment",
          path: ["promotion", "chain", 1],
          target: "value",
          message: "promotion.chain names 'stagign', which is not defined under environments",
          hint: "did you mean 'staging'?",
        },
      ]);
    });

    it("suggests an environment that an abbreviation starts", () => {
      const raw = config({ promotion: { chain: ["dev", "staging", "prod"] } });
      expect(checkRules(raw)[0]?.hint).toBe("did you mean 'production'?");
    });

    it("lists the defined environments when no name is close", () => {
      const raw = config({ promotion: { chain: ["dev", "qa"] } });
      expect(checkRules(raw)[0]?.hint).toBe("defined environments: dev, staging, production");
    });

    it("reports an environment listed twice at its second place", () => {
      const raw = config({ promotion: { chain: ["dev", "staging", "dev"] } });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "duplicate-environment",
          path: ["promotion", "chain", 2],
          message: "'dev' is listed twice in promotion.chain",
        }),
      ]);
    });

    it("checks drift.expected[].between, rollback and pipeline_doctor lists the same way", () => {
      const raw = config({
        drift: {
          expected: [
            { paths: ["a"], between: ["dev", "staging"], reason: "fine" },
            { paths: ["b"], between: ["staging", "uat"], reason: "typo" },
          ],
        },
        rollback: { require_confirmation: ["production", "production"] },
        pipeline_doctor: { compare_with: ["live"] },
      });
      expect(checkRules(raw).map((i) => [i.code, i.path.join("/")])).toEqual([
        ["unknown-environment", "drift/expected/1/between/1"],
        ["duplicate-environment", "rollback/require_confirmation/1"],
        ["unknown-environment", "pipeline_doctor/compare_with/0"],
      ]);
    });

    it("skips items that are not strings: their type is the schema's to report", () => {
      const raw = config({ promotion: { chain: ["dev", 7, null, "staging"] } });
      expect(checkRules(raw)).toEqual([]);
    });
  });

  describe("conflicts.auto_resolve", () => {
    it("asks for a command when the strategy is regenerate, at the strategy", () => {
      const raw = config({
        conflicts: { auto_resolve: [{ paths: ["yarn.lock"], strategy: "regenerate" }] },
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "missing-command",
          path: ["conflicts", "auto_resolve", 0, "strategy"],
          target: "value",
        }),
      ]);
    });

    it("reports a command on any other strategy as unused, at the command key", () => {
      const raw = config({
        conflicts: {
          auto_resolve: [
            { paths: ["a"], strategy: "regenerate", command: "make" },
            { paths: ["b"], strategy: "ours", command: "make" },
          ],
        },
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "unused-command",
          path: ["conflicts", "auto_resolve", 1, "command"],
          target: "key",
          message: "command is only used with strategy 'regenerate', not 'ours'",
        }),
      ]);
    });
  });

  describe("projects", () => {
    it("reports a project listed twice, naming its first place", () => {
      const raw = config({
        projects: [{ path: "acme/a" }, { path: "acme/b" }, { path: "acme/a" }],
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "duplicate-project",
          path: ["projects", 2, "path"],
          message: "project 'acme/a' is already listed as projects[0]",
        }),
      ]);
    });

    it("reports an override of an undefined environment at its key", () => {
      const raw = config({
        projects: [{ path: "a", environments: { prodution: { branch: "x" } } }],
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "unknown-environment",
          path: ["projects", 0, "environments", "prodution"],
          target: "key",
          hint: "did you mean 'production'?",
        }),
      ]);
    });

    it("reports a branch override that clashes with another environment of that project", () => {
      // staging keeps its top-level branch; production's override takes the same one.
      const raw = config({
        projects: [{ path: "acme/a", environments: { production: { branch: "staging" } } }],
      });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "duplicate-branch",
          path: ["projects", 0, "environments", "production", "branch"],
          message:
            "in project 'acme/a', branch 'staging' is used by both 'staging' and 'production'",
        }),
      ]);
    });

    it("blames the overridden environment even when it comes first", () => {
      const raw = config({
        projects: [{ path: "acme/a", environments: { dev: { branch: "main" } } }],
      });
      expect(checkRules(raw)[0]?.path).toEqual(["projects", 0, "environments", "dev", "branch"]);
    });

    it("does not report again, per project, a clash the top level already has", () => {
      const raw = config({
        environments: { dev: { branch: "main" }, production: { branch: "main" } },
        projects: [{ path: "acme/a" }, { path: "acme/b" }],
      });
      expect(checkRules(raw).map((i) => i.path.join("/"))).toEqual([
        "environments/production/branch",
      ]);
    });
  });

  describe("text anywhere in the file", () => {
    it("reports an unsafe character in a value with its code point and 1-based place", () => {
      const raw = config({ dashboard: { issue_title: "Drift\u2028report" } });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "unsafe-character",
          path: ["dashboard", "issue_title"],
          target: "value",
          message: "U+2028 at character 6 is a line break for YAML 1.1 readers",
        }),
      ]);
    });

    it("reports an unsafe character in a key at the key, inside lists too", () => {
      const raw = config({ drift: { expected: [{ "rea\u202eson": "x" }] } });
      expect(checkRules(raw)).toEqual([
        expect.objectContaining({
          code: "unsafe-character",
          path: ["drift", "expected", 0, "rea\u202eson"],
          target: "key",
          message: "U+202E at character 4 is a bidirectional override",
        }),
      ]);
    });

    it("allows 1000 characters in a string and reports 1001 as too long", () => {
      const ok = config({ dashboard: { issue_title: "x".repeat(1000) } });
      expect(checkRules(ok)).toEqual([]);
      const long = config({ drift: { ignore: ["x".repeat(1001)] } });
      expect(checkRules(long)).toEqual([
        expect.objectContaining({
          code: "too-long",
          path: ["drift", "ignore", 0],
          message: "1001 characters; the limit is 1000",
        }),
      ]);
    });
  });
});
