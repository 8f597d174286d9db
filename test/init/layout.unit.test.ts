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

  it("finds nothing in branches that follow no layout", () => {
    expect(detectLayout(["feature/a", "bugfix/b", "trunk"])).toEqual([]);
  });
});
