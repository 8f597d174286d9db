import { describe, expect, it } from "vitest";
import { ciContext } from "../../src/notify/ci-context.js";

// GitLab CI's predefined variables of a branch pipeline.
const CI = {
  CI_PROJECT_PATH: "acme/shop",
  CI_PIPELINE_ID: "4321",
  CI_COMMIT_REF_NAME: "main",
  CI_PIPELINE_URL: "https://gitlab.example.com/acme/shop/-/pipelines/4321",
};

describe("ciContext", () => {
  it("reads the project, pipeline and branch of the job", () => {
    expect(ciContext(CI, {})).toEqual({
      project: "acme/shop",
      pipelineId: 4321,
      pipelineUrl: "https://gitlab.example.com/acme/shop/-/pipelines/4321",
      branch: "main",
    });
  });

  it("builds the pipeline URL from the server URL when GitLab gives none", () => {
    const env = { ...CI, CI_PIPELINE_URL: undefined, CI_SERVER_URL: "https://git.example" };
    expect(ciContext(env, { pipeline: 99 }).pipelineUrl).toBe(
      "https://git.example/acme/shop/-/pipelines/99",
    );
  });

  it("prefers the job's project to --project, and --pipeline to the job's pipeline", () => {
    const context = ciContext(CI, { project: "other/repo", pipeline: 7 });
    expect(context).toMatchObject({ project: "acme/shop", pipelineId: 7 });
    const outside = { CI_COMMIT_REF_NAME: "main" };
    expect(ciContext(outside, { project: "other/repo", pipeline: 7 }).project).toBe("other/repo");
  });

  it("finds the merge request of a merge request pipeline", () => {
    expect(ciContext({ ...CI, CI_MERGE_REQUEST_IID: "12" }, {}).mergeRequestIid).toBe(12);
  });

  it("finds this project's open merge request in a branch pipeline", () => {
    // A branch pipeline lists open MRs as path!iid, other projects' (forks) among them.
    const env = { ...CI, CI_OPEN_MERGE_REQUESTS: "fork/shop!3, acme/shop!15" };
    expect(ciContext(env, {}).mergeRequestIid).toBe(15);
    const onlyForks = { ...CI, CI_OPEN_MERGE_REQUESTS: "fork/shop!3" };
    expect("mergeRequestIid" in ciContext(onlyForks, {})).toBe(false);
  });

  it("keeps an --issue that is a positive number and drops any other", () => {
    expect(ciContext(CI, { issue: "8" }).issueIid).toBe(8);
    for (const issue of ["0", "-2", "abc", "1.5"])
      expect("issueIid" in ciContext(CI, { issue }), issue).toBe(false);
  });

  it("refuses to run outside a CI job, saying which variables it needs", () => {
    for (const missing of ["CI_PROJECT_PATH", "CI_PIPELINE_ID", "CI_COMMIT_REF_NAME"]) {
      const env = { ...CI, [missing]: undefined };
      expect(() => ciContext(env, {}), missing).toThrow(
        expect.objectContaining({ code: "not-in-ci" }),
      );
    }
    expect(() => ciContext({ ...CI, CI_PIPELINE_ID: "0" }, {})).toThrow(/CI_PIPELINE_ID/);
  });
});
