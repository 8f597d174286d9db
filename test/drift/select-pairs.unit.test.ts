import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { selectPairs } from "../../src/drift/select-pairs.js";

const config = parseConfig(
  "version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n" +
    "  production: { branch: main }\n",
  "envsync.yaml",
);

describe("selectPairs", () => {
  it("takes every adjacent pair of the chain when no pair is asked for", () => {
    expect(selectPairs(config)).toEqual([
      { from: "dev", to: "staging" },
      { from: "staging", to: "production" },
    ]);
  });

  it("takes the one pair --from/--to name, adjacent in the chain or not", () => {
    expect(selectPairs(config, "dev", "production")).toEqual([{ from: "dev", to: "production" }]);
    expect(selectPairs(config, "production", "dev")).toEqual([{ from: "production", to: "dev" }]);
  });

  it("wants --from and --to together", () => {
    expect(() => selectPairs(config, "dev")).toThrow("--from and --to go together");
    expect(() => selectPairs(config, undefined, "dev")).toThrow("--from and --to go together");
  });

  it("rejects an unknown environment and a pair of one environment", () => {
    expect(() => selectPairs(config, "dev", "prod")).toThrow(
      expect.objectContaining({ code: "unknown-environment", hint: "did you mean 'production'?" }),
    );
    expect(() => selectPairs(config, "dev", "dev")).toThrow(
      "--from and --to name the same environment",
    );
  });
});
