import { afterEach, describe, expect, it } from "vitest";
import { TestRepo } from "../helpers/repo.js";
import { addMergedMergeRequest } from "./merge-requests.js";
import { GitLabStandin } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function call(
  gl: GitLabStandin,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
) {
  const response = await fetch(`${gl.url}/api/v4/projects/acme%2Fshop${path}`, {
    method,
    headers: {
      "PRIVATE-TOKEN": token ?? gl.token,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function shop() {
  standin = await new GitLabStandin().start();
  const repo = new TestRepo();
  repo.commit("base", { "a.txt": "a\n" });
  repo.git("branch", "pick");
  const project = standin.state.addProject("acme/shop");
  standin.state.repositories.set(project.id, repo.dir);
  return { gl: standin, repo, project };
}

describe("the stand-in's merge requests, as GitLab's Merge requests API answers", () => {
  it("makes a draft from a Draft: title, keeps labels, people and milestone, and refuses an unknown milestone", async () => {
    const { gl, project } = await shop();
    gl.state.milestones.push({ projectId: project.id, id: 9, iid: 1, title: "v1" });
    const created = await call(gl, "POST", "/merge_requests", {
      source_branch: "pick",
      target_branch: "develop",
      title: "Draft: pick",
      labels: "envsync,envsync::conflict",
      assignee_ids: [3],
      reviewer_ids: [4, 5],
      milestone_id: 9,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      draft: true,
      work_in_progress: true,
      labels: ["envsync", "envsync::conflict"],
      assignees: [{ id: 3 }],
      reviewers: [{ id: 4 }, { id: 5 }],
      milestone: { id: 9, title: "v1" },
      merge_commit_sha: null,
      squash_commit_sha: null,
      merge_when_pipeline_succeeds: false,
    });
    for (const title of ["[Draft] x", "(draft) x"]) {
      const other = await call(gl, "POST", "/merge_requests", {
        source_branch: `b-${title}`,
        target_branch: "develop",
        title,
      });
      expect(other.body.draft).toBe(true);
    }
    const plain = await call(gl, "POST", "/merge_requests", {
      source_branch: "c",
      target_branch: "develop",
      title: "Not a draft: x",
    });
    expect(plain.body.draft).toBe(false);
    const badMilestone = await call(gl, "POST", "/merge_requests", {
      source_branch: "d",
      target_branch: "develop",
      title: "x",
      milestone_id: 404,
    });
    expect(badMilestone.status).toBe(404);
  });

  it("answers a merged MR's merge method and its commits newest first", async () => {
    const { gl, repo } = await shop();
    const one = repo.commit("one");
    const two = repo.commit("two");
    addMergedMergeRequest(gl, "acme/shop", {
      title: "Feature",
      source_branch: "f",
      target_branch: "develop",
      method: "squash",
      commits: [one, two],
      result: "c".repeat(40),
    });
    const mr = await call(gl, "GET", "/merge_requests/1");
    expect(mr.body).toMatchObject({
      state: "merged",
      merge_commit_sha: null,
      squash_commit_sha: "c".repeat(40),
      squash: true,
    });
    const commits = await call(gl, "GET", "/merge_requests/1/commits");
    expect(
      (commits.body as unknown as { id: string; title: string }[]).map((c) => c.title),
    ).toEqual(["two", "one"]);
    expect((await call(gl, "GET", "/merge_requests/7")).status).toBe(404);
  });

  it("derives draft from the title on an update, and refuses one branch as source and target", async () => {
    const { gl } = await shop();
    const mr = await call(gl, "POST", "/merge_requests", {
      source_branch: "pick",
      target_branch: "develop",
      title: "pick",
    });
    const path = `/merge_requests/${String(mr.body.iid)}`;
    await call(gl, "PUT", path, { title: "Draft: pick" });
    expect((await call(gl, "GET", path)).body.draft).toBe(true);
    await call(gl, "PUT", path, { title: "pick again" });
    expect((await call(gl, "GET", path)).body.draft).toBe(false);
    const same = await call(gl, "POST", "/merge_requests", {
      source_branch: "develop",
      target_branch: "develop",
      title: "x",
    });
    expect(same.status).toBe(422);
  });

  it("sets auto-merge only while a pipeline runs for the head, never on a draft, never for another head", async () => {
    const { gl, repo, project } = await shop();
    const head = repo.git("rev-parse", "pick");
    const draft = await call(gl, "POST", "/merge_requests", {
      source_branch: "pick",
      target_branch: "develop",
      title: "Draft: pick",
    });
    expect(
      (
        await call(gl, "PUT", `/merge_requests/${String(draft.body.iid)}/merge`, {
          auto_merge: true,
        })
      ).status,
    ).toBe(405);
    gl.state.mergeRequests[0]!.state = "closed";
    const ready = await call(gl, "POST", "/merge_requests", {
      source_branch: "pick",
      target_branch: "develop",
      title: "pick",
    });
    const path = `/merge_requests/${String(ready.body.iid)}/merge`;
    expect((await call(gl, "PUT", path, { auto_merge: true, sha: head })).status).toBe(405);
    gl.state.pipelines.push({
      projectId: project.id,
      id: 1,
      iid: 1,
      ref: "pick",
      sha: head,
      status: "RUNNING",
      createdAt: "2026-10-01T00:00:00Z",
    });
    expect((await call(gl, "PUT", path, { auto_merge: true, sha: "d".repeat(40) })).status).toBe(
      409,
    );
    gl.addToken({ value: "glpat-read-only-token", kind: "personal", scopes: ["read_api"] });
    expect(
      (await call(gl, "PUT", path, { auto_merge: true, sha: head }, "glpat-read-only-token"))
        .status,
    ).toBe(403);
    const set = await call(gl, "PUT", path, { merge_when_pipeline_succeeds: true, sha: head });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ merge_when_pipeline_succeeds: true, state: "opened" });
  });
});
