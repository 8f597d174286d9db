// An environment's deployments from what the token may read: the deployments API for a person's
// token; the deploy jobs for a Duo flow job's token, which GitLab refuses that API.
import { afterEach, describe, expect, it } from "vitest";
import { successfulDeployments } from "../../src/deployments/deployments.js";
import { GitLabHttp } from "../../src/gitlab/http.js";
import { GitLabRest } from "../../src/gitlab/rest.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

/** staging deployed twice: by the API's record, and by the job `ship-it` of two pipelines. */
async function gitlab(ciFile?: string) {
  standin = await new GitLabStandin().start();
  attachRepositoryRoutes(standin);
  standin.addToken({
    value: "oauth-of-the-flow-job",
    kind: "oauth",
    scopes: ["ai_workflows", "mcp"],
  });
  const repo = new TestRepo();
  repo.commit("base", ciFile ? { ".gitlab-ci.yml": ciFile } : { "a.txt": "a\n" });
  repo.git("branch", "-M", "staging");
  const first = repo.head();
  repo.commit("next", { "b.txt": "b\n" });
  const projectId = standin.state.addProject("acme/shop").id;
  standin.state.repositories.set(projectId, repo.dir);
  for (const [iid, sha, at] of [
    [1, first, "2026-11-20T09:00:00Z"],
    [2, repo.head(), "2026-11-23T09:00:00Z"],
  ] as const) {
    standin.state.deployments.push({
      projectId,
      id: standin.state.id(),
      iid,
      environment: "staging",
      ref: "staging",
      sha,
      status: "SUCCESS",
      createdAt: at,
      finishedAt: at,
    });
    const pipelineId = standin.state.id();
    standin.state.pipelines.push({
      projectId,
      id: pipelineId,
      iid,
      ref: "staging",
      sha,
      status: "SUCCESS",
      createdAt: at,
    });
    standin.state.jobs.push({
      projectId,
      id: standin.state.id(),
      pipelineId,
      name: "ship-it",
      stage: "deploy",
      status: "success",
      log: "",
      finishedAt: at,
    });
  }
  return { repo, first };
}

const rest = (token: string) =>
  new GitLabRest(new GitLabHttp({ baseUrl: standin!.url, token, tokenKind: "access_token" }));
const STAGING = { gitlab_environment: "staging", branch: "staging" };

describe("successfulDeployments", () => {
  it("reads the deployments API where the token may", async () => {
    const { repo } = await gitlab();
    const history = await successfulDeployments(
      { rest: rest(standin!.token) },
      "acme/shop",
      STAGING,
      5,
    );
    expect(history.source).toBe("deployments");
    expect(history.deployments.map((d) => d.sha)).toEqual([repo.head(), expect.any(String)]);
  });

  it("reads the deploy jobs envsync.yaml names where GitLab refuses the token that API", async () => {
    const { repo, first } = await gitlab();
    const history = await successfulDeployments(
      { rest: rest("oauth-of-the-flow-job") },
      "acme/shop",
      { ...STAGING, deploy_jobs: ["ship-it"] },
      5,
    );
    expect(history).toMatchObject({
      source: "deploy jobs",
      jobs: ["ship-it"],
      reason: expect.stringContaining("insufficient_scope") as string,
    });
    expect(history.deployments.map((d) => d.sha)).toEqual([repo.head(), first]);
    // The named jobs are enough: .gitlab-ci.yml is not read.
    expect(standin!.log.some((r) => r.path.includes("/repository/files/"))).toBe(false);
  });

  it("finds the deploy jobs in the branch's .gitlab-ci.yml otherwise, and none where it names none", async () => {
    await gitlab("ship-it:\n  script: [./deploy]\n  environment: { name: staging }\n");
    const found = await successfulDeployments(
      { rest: rest("oauth-of-the-flow-job") },
      "acme/shop",
      STAGING,
      1,
    );
    expect(found).toMatchObject({ source: "deploy jobs", jobs: ["ship-it"] });
    expect(found.deployments).toHaveLength(1);
    const none = await successfulDeployments(
      { rest: rest("oauth-of-the-flow-job") },
      "acme/shop",
      { gitlab_environment: "production", branch: "staging" },
      1,
    );
    expect(none).toMatchObject({ source: "deploy jobs", jobs: [], deployments: [] });
  });
});
