import { describe, expect, it } from "vitest";
import { tierRules } from "../../src/git/tiers.js";

const tierOf = tierRules({
  auto_resolve: [
    { paths: ["package-lock.json"], strategy: "regenerate", command: "npm install" },
    { paths: ["CHANGELOG.md"], strategy: "union" },
    { paths: ["config/*.yml", "db/migrate/**"], strategy: "theirs" },
  ],
  ai_confidence_threshold: 0.8,
  always_manual: ["db/migrate/**"],
});

describe("tierRules", () => {
  it("resolves a file an auto_resolve rule covers by that rule (tier 1), naming the rule", () => {
    expect(tierOf("CHANGELOG.md")).toMatchObject({
      tier: 1,
      source: "conflicts.auto_resolve[1]",
      rule: { strategy: "union" },
    });
    expect(tierOf("config/staging.yml")).toMatchObject({
      tier: 1,
      source: "conflicts.auto_resolve[2]",
    });
  });

  it("takes the first matching rule", () => {
    expect(tierOf("package-lock.json")).toMatchObject({
      tier: 1,
      source: "conflicts.auto_resolve[0]",
    });
  });

  it("sends always_manual paths to a human (tier 3) even when a rule covers them", () => {
    expect(tierOf("db/migrate/20261101_add_index.rb")).toEqual({
      tier: 3,
      reason: "always_manual: a human resolves it",
    });
  });

  it("leaves every other file to judgement (tier 2), with the confidence threshold", () => {
    const decision = tierOf("src/app.ts");
    expect(decision.tier).toBe(2);
    expect(decision).toMatchObject({ reason: expect.stringContaining("0.8") as string });
  });

  it("does not let a single-segment glob reach into subdirectories", () => {
    expect(tierOf("config/deep/staging.yml").tier).toBe(2);
  });
});
