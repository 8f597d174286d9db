import { describe, expect, it } from "vitest";
import { deployJobNames, MAX_CI_FILE_BYTES } from "../../src/deployments/deploy-jobs.js";

const CI = `
stages: [build, deploy]
variables:
  environment: staging
.deploy-template:
  environment: staging
build:
  script: [make]
deploy-staging:
  extends: .deploy-template
  environment: staging
deploy-staging-eu:
  environment:
    name: staging
    url: https://eu.example.com
deploy-production:
  environment: { name: production }
stop-staging:
  environment: { name: staging, action: stop }
prepare-staging:
  environment: { name: staging, action: prepare }
restart-staging:
  environment: { name: staging, action: start }
review:
  environment: { name: review/$CI_COMMIT_REF_SLUG }
  script: !reference [.deploy-template, script]
`;

describe("deployJobNames", () => {
  it("finds the jobs naming the environment, as a string or as environment.name", () => {
    expect(deployJobNames(CI, "staging")).toEqual([
      "deploy-staging",
      "deploy-staging-eu",
      "restart-staging",
    ]);
    expect(deployJobNames(CI, "production")).toEqual(["deploy-production"]);
  });

  it("leaves out jobs that stop, prepare, verify or only access the environment", () => {
    expect(deployJobNames(CI, "staging")).not.toContain("stop-staging");
    expect(deployJobNames(CI, "staging")).not.toContain("prepare-staging");
  });

  it("leaves out hidden jobs and global keywords that carry the same word", () => {
    expect(deployJobNames(CI, "staging")).not.toContain(".deploy-template");
    expect(deployJobNames(CI, "staging")).not.toContain("variables");
  });

  it("names no job for a file that does not parse, is not a mapping, or is empty", () => {
    expect(deployJobNames("deploy: [unclosed", "staging")).toEqual([]);
    expect(deployJobNames("- a\n- b\n", "staging")).toEqual([]);
    expect(deployJobNames("", "staging")).toEqual([]);
  });
});

describe("deployJobNames on files of any size", () => {
  it("reads a file of 80,000 keys in one pass (no pairwise duplicate-key check), last key winning", () => {
    const keys = Array.from({ length: 80_000 }, (_, i) => `job${i}: 1\n`).join("");
    const ci = `${keys}deploy:\n  environment: staging\ndeploy:\n  environment: production\n`;
    expect(deployJobNames(ci, "production")).toEqual(["deploy"]);
    expect(deployJobNames(ci, "staging")).toEqual([]);
  });

  it("refuses a file past GitLab's own 2 MiB limit, with what to do instead", () => {
    const ci = `deploy:\n  environment: staging\n# ${"x".repeat(MAX_CI_FILE_BYTES)}\n`;
    expect(() => deployJobNames(ci, "staging")).toThrow(
      expect.objectContaining({
        code: "too-large",
        message: expect.stringContaining("past the 2 MiB GitLab itself accepts"),
        hint: expect.stringContaining("deploy_jobs"),
      }),
    );
  });
});
