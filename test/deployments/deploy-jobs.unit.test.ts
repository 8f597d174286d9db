import { describe, expect, it } from "vitest";
import { deployJobNames } from "../../src/deployments/deploy-jobs.js";

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
