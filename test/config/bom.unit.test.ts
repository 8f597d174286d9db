import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError, type Problem } from "../../src/errors.js";

// Editors on Windows save UTF-8 with a byte-order mark. The YAML parser skips a leading BOM on its
// own, so the file parses either way; what the loader's own handling keeps right is the positions:
// counted over text that still holds the BOM, every problem on line 1 would be one column off.
const BOM = "\uFEFF";
const BODY = "versoin: 1\nenvironments:\n  dev: { branch: develop }\n  prod: { branch: develop }\n";

function problemsOf(source: string | Uint8Array): Problem[] {
  try {
    parseConfig(source, "envsync.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}
const where = (problems: Problem[]) =>
  problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.path}`);

describe("parseConfig: a UTF-8 byte-order mark", () => {
  // The same problems, in the same places, as the file without a BOM: the misspelt first key at
  // 1:1 (and the missing `version` it leaves, reported there too), the duplicate branch at 4:19.
  const expected = [
    "1:1 invalid-value version",
    "1:1 unknown-key versoin",
    "4:19 duplicate-branch environments.prod.branch",
  ];

  it("is invisible in the problems of a file without one", () => {
    expect(where(problemsOf(BODY))).toEqual(expected);
  });

  it("is not counted as a column when the config is given as text", () => {
    expect(where(problemsOf(`${BOM}${BODY}`))).toEqual(expected);
  });

  it("is not counted as a column when the config is given as bytes", () => {
    expect(where(problemsOf(new TextEncoder().encode(`${BOM}${BODY}`)))).toEqual(expected);
  });

  it("is not read as part of the first key", () => {
    const config = parseConfig(
      `${BOM}version: 1\nenvironments:\n  dev: { branch: develop }\n  prod: { branch: main }\n`,
      "envsync.yaml",
    );
    expect(config.version).toBe(1);
    expect(config.environments.map((e) => e.name)).toEqual(["dev", "prod"]);
  });

  it("is reported anywhere after the first character, like any zero-width character", () => {
    const problems = problemsOf(`version: 1\n${BOM}environments:\n  a: { branch: a }\n`);
    expect(problems.map((p) => p.code)).toContain("unsafe-character");
  });
});
