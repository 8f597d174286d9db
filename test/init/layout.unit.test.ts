import { describe, expect, it } from "vitest";
import { detectLayout } from "../../src/init/layout.js";

const summary = (branches: string[], gitlab = {}) =>
  detectLayout(branches, gitlab).map((e) => [e.name, e.branch, e.protected]);

describe("detectLayout", () => {
  it("reads develop / staging / main in promotion order, production protected", () => {
    expect(summary(["main", "feature/x", "staging", "develop"])).toEqual([
      ["dev", "develop", false],
      ["staging", "staging", false],
      ["production", "main", true],
    ]);
  });

  it("reads dev / qa / prod", () => {
    expect(summary(["prod", "qa", "dev"])).toEqual([
      ["dev", "dev", false],
      ["qa", "qa", false],
      ["production", "prod", true],
    ]);
  });

  it("takes the newest release branch, by version", () => {
    expect(summary(["master", "develop", "release/1.9", "release/1.10", "release/1.2"])).toEqual([
      ["dev", "develop", false],
      ["release", "release/1.10", false],
      ["production", "master", true],
    ]);
  });

  it("marks what GitLab protects (wildcards too) and names GitLab's own environments", () => {
    const layout = detectLayout(["develop", "release/2.0", "main"], {
      protectedBranches: ["main", "release/*"],
      environments: ["development", "live"],
    });
    expect(layout).toEqual([
      { name: "dev", branch: "develop", protected: false, gitlab_environment: "development" },
      { name: "release", branch: "release/2.0", protected: true },
      { name: "production", branch: "main", protected: true, gitlab_environment: "live" },
    ]);
  });

  it("matches protected-branch wildcards by their pieces, never by backtracking through the stars", () => {
    // As a regex, `*1*1…*1*x` against `release/1.1.1…` tries every placement of 40 stars among
    // 120 ones (about 10^32): it never ends. Piece by piece it is one scan.
    const branch = `release/${Array(120).fill("1").join(".")}`;
    const stars = `*${"1*".repeat(40)}`;
    const protectedRelease = (pattern: string) =>
      detectLayout([branch], { protectedBranches: [pattern] })[0]!.protected;
    expect(protectedRelease(`${stars}x`)).toBe(false);
    expect(protectedRelease(stars)).toBe(true);
    expect(protectedRelease("release/*.1")).toBe(true);
    expect(protectedRelease("release/*.2")).toBe(false);
    expect(protectedRelease("*1.1*1.1*")).toBe(true);
    expect(protectedRelease("rel*se/1.*.1.1")).toBe(true);
    expect(protectedRelease(`release/1.1*${"1.".repeat(200)}1`)).toBe(false);
    expect(protectedRelease("**")).toBe(true);
    expect(protectedRelease("release/1")).toBe(false);
  });

  it("finds nothing in branches that follow no layout", () => {
    expect(detectLayout(["feature/a", "bugfix/b", "trunk"])).toEqual([]);
  });
});
