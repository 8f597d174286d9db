import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { findEnvironment, requireEnvironment, requireProject } from "../../src/config/resolve.js";
import { EnvsyncError, ExitCode } from "../../src/errors.js";

// resolveConfig fills the defaults that depend on other parts of the file; parseConfig is the way
// a config reaches it, after the schema and the rules have passed.
const resolved = (extra = "") =>
  parseConfig(
    `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging, gitlab_environment: stage }
  production: { branch: main, protected: true }
${extra}`,
    "envsync.yaml",
  );

describe("resolveConfig", () => {
  it("names each GitLab environment after its key unless it says otherwise", () => {
    expect(resolved().environments.map((e) => e.gitlab_environment)).toEqual([
      "dev",
      "stage",
      "production",
    ]);
  });

  it("chains the environments in file order and pairs each with the next", () => {
    const { promotion } = resolved();
    expect(promotion.chain).toEqual(["dev", "staging", "production"]);
    expect(promotion.pairs).toEqual([
      { from: "dev", to: "staging" },
      { from: "staging", to: "production" },
    ]);
  });

  it("pairs a configured chain, which may leave an environment out", () => {
    const { promotion } = resolved("promotion: { chain: [dev, production] }");
    expect(promotion.pairs).toEqual([{ from: "dev", to: "production" }]);
  });

  it("compares a failure with the chain's neighbours, or none outside the chain", () => {
    const config = resolved("promotion: { chain: [dev, production] }");
    expect(config.pipeline_doctor.compare_with).toEqual({
      dev: ["production"],
      staging: [],
      production: ["dev"],
    });
  });

  it("uses an explicit compare_with list for every environment, without itself", () => {
    const config = resolved("pipeline_doctor: { compare_with: [staging, production] }");
    expect(config.pipeline_doctor.compare_with).toEqual({
      dev: ["staging", "production"],
      staging: ["production"],
      production: ["staging"],
    });
  });

  it("asks for rollback confirmation on protected environments unless the file lists others", () => {
    expect(resolved().rollback.require_confirmation).toEqual(["production"]);
    const listed = resolved("rollback: { require_confirmation: [staging] }");
    expect(listed.rollback.require_confirmation).toEqual(["staging"]);
    const none = resolved("rollback: { require_confirmation: [] }");
    expect(none.rollback.require_confirmation).toEqual([]);
  });

  it("lets an expected difference without `between` cover the whole chain", () => {
    const config = resolved(`drift:
  expected:
    - { paths: [a], reason: everywhere }
    - { paths: [b], between: [dev, staging], reason: early }`);
    expect(config.drift.expected.map((r) => r.between)).toEqual([
      ["dev", "staging", "production"],
      ["dev", "staging"],
    ]);
  });

  it("normalises the spacing of the drift schedule", () => {
    expect(resolved('drift: { schedule: " 0   6 * *  1-5 " }').drift.schedule).toBe("0 6 * * 1-5");
  });

  it("gives every project every environment, overrides applied field by field", () => {
    const config = resolved(`projects:
  - path: acme/api
    environments: { production: { branch: release }, dev: { protected: true } }`);
    expect(config.projects[0]!.environments).toEqual([
      { name: "dev", branch: "develop", gitlab_environment: "dev", protected: true },
      { name: "staging", branch: "staging", gitlab_environment: "stage", protected: false },
      { name: "production", branch: "release", gitlab_environment: "production", protected: true },
    ]);
  });

  it("lists each catalog trigger once", () => {
    const config = resolved("catalog: { triggers: [mention, assign, mention] }");
    expect(config.catalog.triggers).toEqual(["mention", "assign"]);
  });

  it("leaves out optional keys the file does not set", () => {
    const config = resolved();
    expect("project" in config).toBe(false);
    expect("group" in config.catalog).toBe(false);
  });
});

describe("requireEnvironment", () => {
  const config = resolved();

  it("returns the environment a command line names", () => {
    expect(requireEnvironment(config, "staging").branch).toBe("staging");
    expect(findEnvironment(config, "qa")).toBeUndefined();
  });

  it("rejects an unknown name as a usage error with a did-you-mean", () => {
    const error = (() => {
      try {
        requireEnvironment(config, "prod");
      } catch (e) {
        return e as EnvsyncError;
      }
    })();
    expect(error).toBeInstanceOf(EnvsyncError);
    expect(error).toMatchObject({
      code: "unknown-environment",
      message: "'prod' is not an environment in the config",
      hint: "did you mean 'production'?",
      exitCode: ExitCode.usage,
    });
  });

  it("lists the environments when no name is close", () => {
    expect(() => requireEnvironment(config, "qa")).toThrow(
      expect.objectContaining({ hint: "environments: dev, staging, production" }),
    );
  });
});

describe("requireProject", () => {
  const withProject = resolved("project: acme/shop");
  const ci = { CI_PROJECT_PATH: "ci/job", GITLAB_PROJECT_PATH: "duo/flow" };

  it("prefers the config, then the CI job, then the Duo flow's job, then the origin remote", () => {
    expect(requireProject(withProject, ci, "status")).toBe("acme/shop");
    expect(requireProject(resolved(), ci, "status")).toBe("ci/job");
    expect(requireProject(resolved(), { GITLAB_PROJECT_PATH: "duo/flow" }, "status")).toBe(
      "duo/flow",
    );
    expect(requireProject(resolved(), {}, "status", { project: "origin/repo" })).toBe(
      "origin/repo",
    );
  });

  it("names the command that needs a project when none is known", () => {
    expect(() => requireProject(resolved(), {}, "publish")).toThrow(
      expect.objectContaining({
        code: "project-unknown",
        message: expect.stringMatching(/^publish needs the project/),
      }),
    );
  });
});
