// The stand-in refuses each kind of token where production GitLab does, so a command that works
// here works with the token a flow's job, a CI job or a bot really has.
import { afterEach, describe, expect, it } from "vitest";
import { GitLabStandin } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function gitlab(
  kind: "access" | "oauth" | "job",
  token = `${kind}-token`,
): Promise<GitLabStandin> {
  standin = await new GitLabStandin({ token, tokenKind: kind }).start();
  standin.state.addProject("acme/shop");
  return standin;
}

const header = (kind: "access" | "oauth" | "job", token: string): Record<string, string> =>
  kind === "job" ? { "JOB-TOKEN": token } : { authorization: `Bearer ${token}` };

async function call(
  gl: GitLabStandin,
  kind: "access" | "oauth" | "job",
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  const response = await fetch(`${gl.url}${path}`, {
    method: init.method ?? "GET",
    headers: { ...header(kind, init.token ?? gl.token), "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const P = "/api/v4/projects/acme%2Fshop";
const INSUFFICIENT = {
  error: "insufficient_scope",
  error_description: "The request requires higher privileges than provided by the access token.",
};

describe("a Duo flow job's OAuth token (ai_workflows, mcp)", () => {
  it("reads the project, its pipelines and issues, and writes merge requests and notes", async () => {
    const gl = await gitlab("oauth");
    expect((await call(gl, "oauth", P)).status).toBe(200);
    expect((await call(gl, "oauth", `${P}/pipelines`)).status).toBe(200);
    expect((await call(gl, "oauth", `${P}/issues`)).status).toBe(200);
    const note = await call(gl, "oauth", `${P}/issues/1/notes`, {
      method: "POST",
      body: { body: "hi" },
    });
    expect(note.status).toBe(201);
  });

  it.each([
    ["GET", `${P}/deployments`, "api read_api"],
    ["GET", `${P}/environments`, "api read_api"],
    ["GET", `${P}/protected_branches`, "api read_api"],
    ["POST", "/api/v4/ai/duo_workflows/workflows", "api"],
    ["GET", "/api/v4/metadata", "api read_api"],
    ["GET", "/api/v4/user", "read_user api read_api"],
  ])("is refused %s %s with 403 insufficient_scope", async (method, path, scope) => {
    const gl = await gitlab("oauth");
    const answer = await call(gl, "oauth", path, {
      method,
      body: method === "POST" ? {} : undefined,
    });
    expect(answer).toEqual({ status: 403, body: { ...INSUFFICIENT, scope } });
  });

  it("gets null for the GraphQL fields its scopes do not reach, with no error, the rest intact", async () => {
    const gl = await gitlab("oauth");
    const query = `query EnvsyncScopes($path: ID!) {
      project(fullPath: $path) {
        id
        repository { tree { lastCommit { sha } } }
        pipelines { nodes { id } }
      }
    }`;
    const answer = await call(gl, "oauth", "/api/graphql", {
      method: "POST",
      body: { operationName: "EnvsyncScopes", query, variables: { path: "acme/shop" } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      project: {
        id: expect.stringMatching(/^gid:\/\/gitlab\/Project\/\d+$/),
        repository: null,
        pipelines: null,
      },
    });
  });

  it("says its scopes at /oauth/token/info, as Doorkeeper answers", async () => {
    const gl = await gitlab("oauth");
    const info = await call(gl, "oauth", "/oauth/token/info");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      scope: ["ai_workflows", "mcp"],
      scopes: ["ai_workflows", "mcp"],
      expires_in_seconds: 7200,
    });
  });
});

describe("a CI job token", () => {
  it("reads deployments, environments and a pipeline's jobs", async () => {
    const gl = await gitlab("job");
    for (const path of [`${P}/deployments`, `${P}/environments`, `${P}/pipelines/1/jobs`])
      expect((await call(gl, "job", path)).status, path).not.toBe(401);
  });

  it("is no authentication elsewhere: 404 where the project is looked up, else 401", async () => {
    const gl = await gitlab("job");
    expect(await call(gl, "job", `${P}/repository/compare?from=a&to=b`)).toEqual({
      status: 404,
      body: { message: "404 Project Not Found" },
    });
    for (const path of [`${P}/jobs/1/trace`, "/api/v4/user"])
      expect(await call(gl, "job", path)).toEqual({
        status: 401,
        body: { message: "401 Unauthorized" },
      });
    const note = await call(gl, "job", `${P}/issues/1/notes`, {
      method: "POST",
      body: { body: "x" },
    });
    expect(note.status).toBe(401);
    const graphql = await call(gl, "job", "/api/graphql", {
      method: "POST",
      body: { query: "query X { currentUser { id } }" },
    });
    expect(graphql.status).toBe(401);
  });
});

describe("access tokens", () => {
  it("with read_api read everything and write nothing", async () => {
    standin = await new GitLabStandin({ token: "reader", scopes: ["read_api"] }).start();
    standin.state.addProject("acme/shop");
    expect((await call(standin, "access", `${P}/deployments`)).status).toBe(200);
    const write = await call(standin, "access", `${P}/issues`, {
      method: "POST",
      body: { title: "x" },
    });
    expect(write).toEqual({ status: 403, body: { ...INSUFFICIENT, scope: "api" } });
  });

  it("tell a bot from a person at /user, and their scopes at /personal_access_tokens/self", async () => {
    const gl = await gitlab("access");
    gl.addToken({ value: "bot-token", kind: "bot", scopes: ["api"] });
    const person = await call(gl, "access", "/api/v4/user");
    expect(person.body).toMatchObject({ bot: false });
    const bot = await call(gl, "access", "/api/v4/user", { token: "bot-token" });
    expect(bot.body).toMatchObject({ bot: true, username: expect.stringMatching(/_bot_/) });
    const self = await call(gl, "access", "/api/v4/personal_access_tokens/self");
    expect(self.body).toMatchObject({ scopes: ["api"], active: true });
  });

  it("are not OAuth tokens: /oauth/token/info refuses them", async () => {
    const gl = await gitlab("access");
    const info = await call(gl, "access", "/oauth/token/info");
    expect(info).toMatchObject({ status: 401, body: { error: "invalid_token" } });
  });
});
