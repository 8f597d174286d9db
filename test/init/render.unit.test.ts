import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { renderConfig } from "../../src/init/render.js";

const DETECTED = [
  { name: "dev", branch: "develop", protected: false },
  { name: "staging", branch: "release/staging", protected: false, gitlab_environment: "stage" },
  { name: "production", branch: "main", protected: true },
];

describe("renderConfig", () => {
  it("writes a config the loader accepts, with the detected environments in order", () => {
    const text = renderConfig(DETECTED, { project: "acme/shop", sources: "the branches" });
    const config = parseConfig(text, "envsync.yaml");
    expect(config.project).toBe("acme/shop");
    expect(config.environments).toEqual([
      { name: "dev", branch: "develop", gitlab_environment: "dev", protected: false },
      { name: "staging", branch: "release/staging", gitlab_environment: "stage", protected: false },
      { name: "production", branch: "main", gitlab_environment: "production", protected: true },
    ]);
  });

  it("writes one line per environment and only the keys that differ from the defaults", () => {
    const text = renderConfig(DETECTED, { sources: "x" });
    expect(text).toContain("  dev: { branch: develop }\n");
    expect(text).toContain("  staging: { branch: release/staging, gitlab_environment: stage }\n");
    expect(text).toContain("  production: { branch: main, protected: true }\n");
    expect(text).not.toMatch(/^project:/m);
  });

  it("says where the environments came from and what to do next, as comments", () => {
    const text = renderConfig(DETECTED, { sources: "GitLab's protected branches" });
    expect(text.split("\n")[0]).toBe(
      "# envsync.yaml, written by `envsync init` from GitLab's protected branches.",
    );
    expect(text).toContain("# In promotion order");
    expect(text).toMatch(/# Add when you need them: drift\.expected/);
  });

  it("writes the migration folders found, each with its framework, and nothing when none are", () => {
    const migrations = [
      { path: "db/migrations/**", frameworks: "dbmate, goose, golang-migrate" },
      { path: "shop/migrations/[0-9]*.py", frameworks: "Django" },
    ];
    const text = renderConfig(DETECTED, { sources: "x", migrations });
    expect(text).toContain(
      "    paths:\n      - db/migrations/** # dbmate, goose, golang-migrate\n" +
        "      - shop/migrations/[0-9]*.py # Django\n",
    );
    expect(parseConfig(text, "envsync.yaml").rollback.migrations.paths).toEqual([
      "db/migrations/**",
      "shop/migrations/[0-9]*.py",
    ]);
    expect(text).not.toMatch(/# Add when you need them:.*rollback\.migrations\.paths/s);
    const none = renderConfig(DETECTED, { sources: "x", migrations: [] });
    expect(none).not.toMatch(/^rollback:/m);
    expect(none).toMatch(/# Add when you need them:[\s\S]*rollback\.migrations\.paths/);
  });
});
