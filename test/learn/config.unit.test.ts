import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError, type Problem } from "../../src/errors.js";

const BASE = "version: 1\nenvironments:\n  dev: { branch: develop }\n  prod: { branch: main }\n";

function problemsOf(conflicts: string): Problem[] {
  try {
    parseConfig(`${BASE}conflicts:\n${conflicts}`, "envsync.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}
const where = (problems: Problem[]) => problems.map((p) => `${p.line}:${p.column} ${p.path}`);

describe("conflicts.categories and conflicts.learning", () => {
  it("defaults each category's threshold to ai_confidence_threshold, and learning's settings", () => {
    const config = parseConfig(
      `${BASE}conflicts:\n  ai_confidence_threshold: 0.75\n  categories:\n` +
        `    - { name: config, paths: ["config/**"], threshold: 0.9 }\n` +
        `    - { name: code, paths: ["src/**"] }\n`,
      "envsync.yaml",
    );
    expect(config.conflicts.categories).toEqual([
      { name: "config", paths: ["config/**"], threshold: 0.9 },
      { name: "code", paths: ["src/**"], threshold: 0.75 },
    ]);
    expect(config.conflicts.learning).toEqual({ label: "envsync", target: 0.7 });
  });

  it("refuses a category named twice, the reserved name other, and a threshold over 1", () => {
    const problems = problemsOf(
      "  categories:\n" +
        '    - { name: code, paths: ["src/**"] }\n' +
        '    - { name: code, paths: ["lib/**"] }\n' +
        '    - { name: other, paths: ["x/**"] }\n' +
        '    - { name: big, paths: ["y/**"], threshold: 1.2 }\n',
    );
    expect(where(problems)).toEqual([
      "8:15 conflicts.categories[1].name",
      "9:15 conflicts.categories[2].name",
      "10:48 conflicts.categories[3].threshold",
    ]);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/listed twice[\s\S]*'other'/);
  });

  it("refuses an author that is not a GitLab username and a glob that cannot match", () => {
    const problems = problemsOf(
      '  categories:\n    - { name: code, paths: ["/src/**"] }\n  learning:\n    author: "@bot"\n',
    );
    expect(problems.map((p) => p.path)).toEqual([
      "conflicts.categories[0].paths[0]",
      "conflicts.learning.author",
    ]);
  });
});
