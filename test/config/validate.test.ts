import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envsync, repoRoot, tempDir } from "../helpers/cli.js";
import type { Problem } from "../../src/errors.js";

const MINIMAL =
  "version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n  production: { branch: main, protected: true }\n";

function write(content: string | Buffer, name = "envsync.yaml"): string {
  const file = join(tempDir(), name);
  writeFileSync(file, content);
  return file;
}

async function problemsOf(content: string | Buffer): Promise<Problem[]> {
  const file = write(content);
  const result = await envsync("validate", "-c", file, "--json");
  expect(result.code).toBe(1);
  const report = JSON.parse(result.out) as { valid: boolean; problems: Problem[] };
  expect(report.valid).toBe(false);
  return report.problems;
}

function only(problems: Problem[], code: string): Problem {
  const matching = problems.filter((p) => p.code === code);
  expect(matching, JSON.stringify(problems, null, 2)).toHaveLength(1);
  return matching[0]!;
}

describe("envsync validate: the bundled examples", () => {
  for (const name of ["envsync.yaml", "minimal.yaml", "multi-project.yaml"]) {
    it(`accepts examples/${name}`, async () => {
      const result = await envsync("validate", "-c", join(repoRoot, "examples", name));
      expect(result.err).toBe("");
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/: valid \(/);
    });
  }
});

describe("envsync validate: defaults of the resolved config", () => {
  it("fills every default the contract lists", async () => {
    const result = await envsync("validate", "-c", write(MINIMAL), "--json");
    expect(result.code).toBe(0);
    const { config } = JSON.parse(result.out);
    expect(config.promotion.chain).toEqual(["dev", "staging", "production"]);
    expect(config.promotion.pairs).toEqual([
      { from: "dev", to: "staging" },
      { from: "staging", to: "production" },
    ]);
    expect(config.environments[1]).toEqual({
      name: "staging",
      branch: "staging",
      gitlab_environment: "staging",
      protected: false,
    });
    expect(config.rollback.require_confirmation).toEqual(["production"]);
    expect(config.pipeline_doctor.compare_with).toEqual({
      dev: ["staging"],
      staging: ["dev", "production"],
      production: ["staging"],
    });
    expect(config.conflicts.ai_confidence_threshold).toBe(0.8);
    expect(config.drift.schedule).toBe("0 6 * * 1-5");
    expect(config.dashboard.issue_title).toBe("EnvSync environment health");
    expect(config.catalog).toEqual({
      name_prefix: "envsync",
      public: false,
      triggers: ["mention"],
      generic_api_tools: false,
    });
    expect(config.promotion.merge_request).toEqual({
      labels: ["envsync", "promotion"],
      squash: false,
      remove_source_branch: false,
    });
  });

  it("applies per-project environment overrides and defaults expected-difference pairs to the chain", async () => {
    const yaml = `${MINIMAL}drift:\n  expected:\n    - paths: ["config/*.yml"]\n      reason: per env\nprojects:\n  - path: acme/search\n    environments:\n      production: { branch: release }\n`;
    const { config } = JSON.parse((await envsync("validate", "-c", write(yaml), "--json")).out);
    expect(config.drift.expected[0].between).toEqual(["dev", "staging", "production"]);
    expect(config.projects[0].environments.map((e: { branch: string }) => e.branch)).toEqual([
      "develop",
      "staging",
      "release",
    ]);
  });
});

describe("envsync validate: schema problems, each with its position", () => {
  it("reports an unknown key with a did-you-mean at the key", async () => {
    const p = only(
      await problemsOf(MINIMAL.replace("protected: true", "protectd: true")),
      "unknown-key",
    );
    expect(p).toMatchObject({
      line: 5,
      column: 31,
      path: "environments.production.protectd",
      hint: "did you mean 'protected'?",
    });
  });

  it("reports a misspelt top-level section and the required one it hides", async () => {
    const problems = await problemsOf("version: 1\nenviroments:\n  dev: { branch: develop }\n");
    expect(only(problems, "unknown-key")).toMatchObject({
      line: 2,
      column: 1,
      hint: "did you mean 'environments'?",
    });
    expect(only(problems, "missing-key")).toMatchObject({
      path: "environments",
      message: "missing required key 'environments'",
    });
  });

  it("names the type it found for a wrong type", async () => {
    const p = only(
      await problemsOf(`${MINIMAL}pipeline_doctor:\n  log_lines: many\n`),
      "wrong-type",
    );
    expect(p).toMatchObject({
      line: 7,
      column: 14,
      path: "pipeline_doctor.log_lines",
      message: "expected a number, found 'many'",
    });
  });

  it("rejects a version other than 1", async () => {
    const p = only(await problemsOf(MINIMAL.replace("version: 1", "version: 2")), "invalid-value");
    expect(p).toMatchObject({ line: 1, column: 10, path: "version" });
    expect(p.message).toContain("must be 1");
  });

  it("suggests the closest enum value", async () => {
    const yaml = `${MINIMAL}conflicts:\n  auto_resolve:\n    - paths: ["*.lock"]\n      strategy: theirss\n`;
    const p = only(await problemsOf(yaml), "invalid-value");
    expect(p).toMatchObject({
      line: 9,
      column: 17,
      path: "conflicts.auto_resolve[0].strategy",
      hint: "did you mean 'theirs'?",
    });
  });

  it.each([
    ["ai_confidence_threshold", "conflicts:\n  ai_confidence_threshold: 1.5\n"],
    ["min_confidence", "rollback:\n  auto: { environments: [staging], min_confidence: -0.1 }\n"],
  ])("keeps %s within [0, 1]", async (key, section) => {
    const problems = await problemsOf(MINIMAL + section);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 7, message: "must be between 0 and 1" });
    expect(problems[0]!.path.endsWith(key)).toBe(true);
  });

  it("rejects a glob with an unbalanced bracket", async () => {
    const problems = await problemsOf(`${MINIMAL}drift:\n  ignore: ["docs/**", "[abc"]\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 7, column: 23, path: "drift.ignore[1]" });
    expect(problems[0]!.message).toContain("invalid glob '[abc'");
  });

  it.each([
    ["0 6 * *", "cron needs five fields"],
    ["61 6 * * 1-5", "minute field '61': 61 is outside 0-59"],
    ["0 6 * * fri-mon", "runs backwards"],
  ])("rejects the cron expression %j", async (cron, message) => {
    const problems = await problemsOf(`${MINIMAL}drift:\n  schedule: "${cron}"\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 7, column: 13, path: "drift.schedule" });
    expect(problems[0]!.message).toContain(message);
  });

  it("rejects a branch name git would refuse", async () => {
    const p = (await problemsOf(MINIMAL.replace("branch: staging", 'branch: "feature..x"')))[0]!;
    expect(p).toMatchObject({ line: 4, column: 22, path: "environments.staging.branch" });
    expect(p.message).toContain("cannot contain '..'");
  });
});

describe("envsync validate: rules across the file", () => {
  it("reports a branch used by two environments at the second one", async () => {
    const p = only(
      await problemsOf(MINIMAL.replace("branch: staging", "branch: develop")),
      "duplicate-branch",
    );
    expect(p).toMatchObject({
      line: 4,
      column: 22,
      path: "environments.staging.branch",
      message: "branch 'develop' is already used by environment 'dev'",
    });
  });

  it.each([
    [
      "promotion.chain[1]",
      "promotion:\n  chain: [dev, stagin, production]\n",
      7,
      16,
      "did you mean 'staging'?",
    ],
    [
      "drift.expected[0].between[1]",
      "drift:\n  expected:\n    - paths: [a]\n      between: [dev, prod]\n      reason: r\n",
      9,
      22,
      "did you mean 'production'?",
    ],
    [
      "rollback.require_confirmation[0]",
      "rollback:\n  require_confirmation: [qa]\n",
      7,
      26,
      "defined environments: dev, staging, production",
    ],
    [
      "pipeline_doctor.compare_with[0]",
      "pipeline_doctor:\n  compare_with: [stagng]\n",
      7,
      18,
      "did you mean 'staging'?",
    ],
    [
      "projects[0].environments.prod",
      "projects:\n  - path: acme/x\n    environments:\n      prod: { branch: r }\n",
      9,
      7,
      undefined,
    ],
  ])("reports %s naming an undefined environment", async (path, section, line, column, hint) => {
    const p = only(await problemsOf(MINIMAL + section), "unknown-environment");
    expect(p).toMatchObject({ path, line, column });
    if (hint) expect(p.hint).toBe(hint);
  });

  it("reports a project override that makes two environments share a branch", async () => {
    const yaml = `${MINIMAL}projects:\n  - path: acme/x\n    environments:\n      production: { branch: staging }\n`;
    const p = only(await problemsOf(yaml), "duplicate-branch");
    expect(p).toMatchObject({
      path: "projects[0].environments.production.branch",
      line: 9,
      column: 29,
    });
  });

  it("requires a command for the regenerate strategy", async () => {
    const yaml = `${MINIMAL}conflicts:\n  auto_resolve:\n    - paths: [package-lock.json]\n      strategy: regenerate\n`;
    expect(only(await problemsOf(yaml), "missing-command")).toMatchObject({ line: 9, column: 17 });
  });

  it("points the rollback keys nothing reads any more at rollback.auto; false still validates", async () => {
    const yaml = `${MINIMAL}rollback:\n  auto_rollback_on_failure: true\n  min_confidence: 0.8\n`;
    const problems = await problemsOf(yaml);
    const superseded = problems.filter((p) => p.code === "superseded-key");
    expect(superseded.map((p) => [p.path, p.line, p.column])).toEqual([
      ["rollback.auto_rollback_on_failure", 7, 3],
      ["rollback.min_confidence", 8, 3],
    ]);
    expect(superseded[0]!.hint).toContain("rollback.auto");
    expect(superseded[1]!.hint).toContain("rollback.auto.min_confidence");
    const off = write(`${MINIMAL}rollback:\n  auto_rollback_on_failure: false\n`);
    expect((await envsync("validate", "-c", off)).code).toBe(0);
  });

  it("points at each bad value of triggers, cherry_pick and dashboard.author", async () => {
    const yaml =
      `${MINIMAL}triggers:\n  core: []\n  pipeline_doctor: [bogus]\n` +
      `cherry_pick:\n  carry: [bogus]\n  conflict_label: "a,b"\n` +
      `dashboard:\n  author: "@bot"\n`;
    const problems = await problemsOf(yaml);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["triggers.core", 7],
      ["triggers.pipeline_doctor[0]", 8],
      ["cherry_pick.carry[0]", 10],
      ["cherry_pick.conflict_label", 11],
      ["dashboard.author", 13],
    ]);
    expect(problems.find((p) => p.path === "cherry_pick.conflict_label")!.message).toContain(
      "a label holds no comma",
    );
  });

  it("rejects a single environment and a chain of one", async () => {
    const problems = await problemsOf(
      "version: 1\nenvironments:\n  dev: { branch: develop }\npromotion:\n  chain: [dev]\n",
    );
    expect(only(problems, "too-few-environments")).toMatchObject({ line: 2, column: 1 });
    expect(problems.find((p) => p.path === "promotion.chain")).toMatchObject({
      line: 5,
      column: 10,
    });
  });

  it("reports every problem in one run, in file order", async () => {
    const yaml =
      "version: 3\nenvironments:\n  dev: { branch: develop }\n  qa: { branch: develop }\npromotion:\n  chain: [dev, qa, prod]\nfoo: 1\n";
    const problems = await problemsOf(yaml);
    expect(problems.map((p) => p.code)).toEqual([
      "invalid-value",
      "duplicate-branch",
      "unknown-environment",
      "unknown-key",
    ]);
    expect(problems.map((p) => p.line)).toEqual([1, 4, 6, 7]);
  });
});

describe("envsync validate: files that are not a config", () => {
  it.each([
    ["a syntax error", "version: 1\nenvironments: [dev,\n", "yaml-syntax", 3],
    ["a duplicate key", "version: 1\nversion: 1\nenvironments: {}\n", "duplicate-key", 2],
    ["tab indentation", "version: 1\nenvironments:\n\tdev: { branch: develop }\n", "tab-indent", 3],
    ["two documents", "version: 1\n---\nversion: 1\n", "multiple-documents", 2],
    ["a top-level list", "- version: 1\n", "not-a-mapping", 1],
    ["a top-level scalar", "just text\n", "not-a-mapping", 1],
    ["an empty file", "", "empty", 1],
    ["only comments", "# nothing here\n", "empty", 1],
    ["an undefined alias", "version: *v\n", "yaml-alias", 1],
  ])("reports %s with its line", async (_name, content, code, line) => {
    const problems = await problemsOf(content);
    expect(problems[0]).toMatchObject({ code, line });
    expect(problems[0]!.column).toBeGreaterThan(0);
  });

  it("bounds alias expansion (billion laughs)", async () => {
    const rows = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of ["b", "c", "d", "e", "f", "g"])
      rows.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(", ")}]`,
      );
    const p = only(await problemsOf(`${rows.join("\n")}\n`), "alias-limit");
    expect(p.message).toContain("aliases expand too far");
  });

  it("points at the first byte that is not UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from("version: 1\nenvironments:\n  dev: { branch: d"),
      Buffer.from([0xff]),
      Buffer.from("v }\n"),
    ]);
    expect(only(await problemsOf(bytes), "not-utf8")).toMatchObject({ line: 3, column: 19 });
  });

  it("accepts a UTF-8 byte-order mark", async () => {
    const result = await envsync("validate", "-c", write(`\uFEFF${MINIMAL}`));
    expect(result.code).toBe(0);
  });

  it("refuses a 10 MB file without parsing it", async () => {
    const big = `version: 1\nenvironments:\n${"  # padding\n".repeat(900_000)}`;
    const p = only(await problemsOf(big), "too-large");
    expect(p.message).toContain("may be at most 1.0 MiB");
    expect(p.line).toBe(0);
  });

  it("reports a missing file and a directory without a position", async () => {
    const dir = tempDir();
    const missing = await envsync("validate", "-c", join(dir, "nope.yaml"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("nope.yaml: file not found");
    mkdirSync(join(dir, "conf.yaml"));
    const directory = await envsync("validate", "-c", join(dir, "conf.yaml"));
    expect(directory.code).toBe(1);
    expect(directory.err).toContain("conf.yaml: is a directory");
  });
});

describe("envsync validate: the command line", () => {
  it.each([[["validate", "--no-such-flag"]], [["valdate"]], [["validate", "-c"]]])(
    "exits 2 on the usage error %j",
    async (args) => {
      const result = await envsync(...args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/error: /);
    },
  );

  it("suggests the command meant", async () => {
    expect((await envsync("valdate")).err).toContain("validate");
  });
});
