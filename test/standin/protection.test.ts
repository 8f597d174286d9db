import { afterEach, describe, expect, it } from "vitest";
import { GitLabStandin, type StandinOptions } from "./server.js";
import type { Scope } from "./tokens.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const P = "/api/v4/projects/acme%2Fshop";

async function gitlab(options: StandinOptions = {}) {
  standin = await new GitLabStandin(options).start();
  const project = standin.state.addProject("acme/shop");
  return { gl: standin, project };
}

async function call(
  gl: GitLabStandin,
  path: string,
  init: { method?: string; body?: unknown; token?: string; jobToken?: boolean } = {},
) {
  const token = init.token ?? gl.token;
  const response = await fetch(`${gl.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.jobToken ? { "JOB-TOKEN": token } : { "PRIVATE-TOKEN": token }),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe("the stand-in's protected branches", () => {
  it("reads push_access_levels, writes allowed_to_push, and refuses the read shape in a write", async () => {
    const { gl } = await gitlab();
    const created = await call(gl, `${P}/protected_branches`, {
      method: "POST",
      body: { name: "main", push_access_level: 0, merge_access_level: 40 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "main",
      push_access_levels: [{ access_level: 0, access_level_description: "No one" }],
      merge_access_levels: [{ access_level: 40 }],
    });
    const readShape = await call(gl, `${P}/protected_branches/main`, {
      method: "PATCH",
      body: { push_access_levels: [{ access_level: 30 }] },
    });
    expect(readShape.status).toBe(400);
  });

  it("answers 409 to a POST of a name already protected", async () => {
    const { gl, project } = await gitlab();
    gl.protection.addBranch(project.id, "main");
    const again = await call(gl, `${P}/protected_branches`, {
      method: "POST",
      body: { name: "main" },
    });
    expect(again).toEqual({
      status: 409,
      body: { message: "Protected branch 'main' already exists" },
    });
  });

  it("changes lists by difference: add, change by id, _destroy by id; a role twice is 422", async () => {
    const { gl, project } = await gitlab();
    const rule = gl.protection.addBranch(project.id, "main", { push: [30, 40] });
    const [dev, maintainer] = rule.push.map((e) => e.id);
    const patched = await call(gl, `${P}/protected_branches/main`, {
      method: "PATCH",
      body: {
        allowed_to_push: [
          { id: dev, access_level: 0 },
          { id: maintainer, _destroy: true },
        ],
      },
    });
    expect(patched.status).toBe(200);
    expect(gl.protection.branches[0]!.push).toEqual([{ id: dev, access_level: 0 }]);
    const twice = await call(gl, `${P}/protected_branches/main`, {
      method: "PATCH",
      body: { allowed_to_push: [{ access_level: 0 }] },
    });
    expect(twice.status).toBe(422);
    const unknown = await call(gl, `${P}/protected_branches/main`, {
      method: "PATCH",
      body: { allowed_to_push: [{ id: 999999, _destroy: true }] },
    });
    expect(unknown.status).toBe(404);
    expect(gl.protection.branches[0]!.push).toEqual([{ id: dev, access_level: 0 }]);
  });

  it("lists every rule, paged 20 by default, inherited ones marked, and will not patch those", async () => {
    const { gl, project } = await gitlab();
    for (let i = 0; i < 25; i++) gl.protection.addBranch(project.id, `feature/${i}`);
    gl.protection.addBranch(project.id, "main", { inherited: true });
    const first = await call(gl, `${P}/protected_branches`);
    expect(first.body).toHaveLength(20);
    const second = await call(gl, `${P}/protected_branches?page=2`);
    expect(second.body).toContainEqual(expect.objectContaining({ name: "main", inherited: true }));
    const patch = await call(gl, `${P}/protected_branches/main`, {
      method: "PATCH",
      body: { allow_force_push: true },
    });
    expect(patch.status).toBe(404);
  });

  it("on the free tier, refuses Premium's fields and answers without them", async () => {
    const { gl, project } = await gitlab({ tier: "free" });
    gl.protection.addBranch(project.id, "main");
    for (const body of [
      { code_owner_approval_required: true },
      { allowed_to_unprotect: [{ access_level: 40 }] },
      { allowed_to_push: [{ user_id: 5 }] },
      { allowed_to_push: [{ access_level: 30 }] },
    ]) {
      const answer = await call(gl, `${P}/protected_branches/main`, { method: "PATCH", body });
      expect(answer.status, JSON.stringify(body)).toBe(403);
    }
    const create = await call(gl, `${P}/protected_branches`, {
      method: "POST",
      body: { name: "staging", unprotect_access_level: 40 },
    });
    expect(create.status).toBe(403);
    const read = await call(gl, `${P}/protected_branches/main`);
    expect(read.body).not.toHaveProperty("code_owner_approval_required");
    expect(read.body).not.toHaveProperty("unprotect_access_levels");
    expect((await call(gl, `${P}/protected_environments`)).status).toBe(403);
    expect((await call(gl, `${P}/approval_rules`)).status).toBe(403);
    expect(gl.protection.history).toEqual([]);
  });

  it.each<[string, readonly Scope[] | undefined, boolean, number]>([
    ["read_api token writes", ["read_api"], false, 403],
    ["job token reads", undefined, true, 401],
  ])("refuses a %s", async (_what, scopes, jobToken, status) => {
    const { gl, project } = await gitlab(scopes ? { scopes } : {});
    gl.protection.addBranch(project.id, "main");
    if (jobToken) gl.addToken({ value: "job-token-12345678", kind: "job", scopes: [] });
    const answer = await call(gl, `${P}/protected_branches${jobToken ? "" : "/main"}`, {
      method: jobToken ? "GET" : "PATCH",
      body: jobToken ? undefined : { allow_force_push: true },
      ...(jobToken ? { token: "job-token-12345678", jobToken: true } : {}),
    });
    expect(answer.status).toBe(status);
    expect(gl.protection.branches[0]!.allow_force_push).toBe(false);
  });
});

it("refuses a Duo flow job's token (ai_workflows, mcp) every protection route", async () => {
  const { gl } = await gitlab({ tokenKind: "oauth" });
  for (const path of ["protected_branches", "protected_environments", "approval_rules"]) {
    const response = await fetch(`${gl.url}${P}/${path}`, {
      headers: { authorization: `Bearer ${gl.token}` },
    });
    expect(response.status, path).toBe(403);
  }
});

describe("the stand-in's protected environments and approval rules", () => {
  it("needs deploy_access_levels to create, answers 409 on a duplicate, and PUTs by difference", async () => {
    const { gl } = await gitlab();
    const missing = await call(gl, `${P}/protected_environments`, {
      method: "POST",
      body: { name: "production" },
    });
    expect(missing.status).toBe(400);
    const created = await call(gl, `${P}/protected_environments`, {
      method: "POST",
      body: {
        name: "production",
        deploy_access_levels: [{ access_level: 40 }],
        approval_rules: [{ access_level: 40, required_approvals: 2 }],
      },
    });
    expect(created.status).toBe(201);
    const duplicate = await call(gl, `${P}/protected_environments`, {
      method: "POST",
      body: { name: "production", deploy_access_levels: [{ access_level: 40 }] },
    });
    expect(duplicate.status).toBe(409);
    const rule = gl.protection.environments[0]!.approvals[0]!;
    const put = await call(gl, `${P}/protected_environments/production`, {
      method: "PUT",
      body: { approval_rules: [{ id: rule.id, required_approvals: 1 }] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      approval_rules: [{ id: rule.id, access_level: 40, required_approvals: 1 }],
    });
    const empty = await call(gl, `${P}/protected_environments/production`, {
      method: "PUT",
      body: {
        deploy_access_levels: [
          { id: gl.protection.environments[0]!.deploy[0]!.id, _destroy: true },
        ],
      },
    });
    expect(empty.status).toBe(422);
  });

  it("scopes approval rules by protected branch ids of the project", async () => {
    const { gl, project } = await gitlab();
    const main = gl.protection.addBranch(project.id, "main");
    const created = await call(gl, `${P}/approval_rules`, {
      method: "POST",
      body: { name: "EnvSync: production", approvals_required: 2, protected_branch_ids: [main.id] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ protected_branches: [{ id: main.id, name: "main" }] });
    const duplicate = await call(gl, `${P}/approval_rules`, {
      method: "POST",
      body: { name: "EnvSync: production", approvals_required: 1 },
    });
    expect(duplicate.status).toBe(400);
    const foreign = await call(gl, `${P}/approval_rules`, {
      method: "POST",
      body: { name: "other", approvals_required: 1, protected_branch_ids: [424242] },
    });
    expect(foreign.status).toBe(400);
  });
});
