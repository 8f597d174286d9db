import { afterEach, describe, expect, it } from "vitest";
import { GitLabStandin } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function get(gl: GitLabStandin, path: string) {
  const response = await fetch(`${gl.url}${path}`, {
    headers: { "PRIVATE-TOKEN": gl.token },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: await response.json(),
  };
}

/** A project with `count` pipelines on main. */
async function withPipelines(count: number, options = {}): Promise<GitLabStandin> {
  standin = await new GitLabStandin(options).start();
  const project = standin.state.addProject("acme/shop");
  for (let i = 0; i < count; i++)
    standin.state.pipelines.push({
      projectId: project.id,
      id: 1000 + i,
      iid: i + 1,
      ref: "main",
      sha: "a".repeat(40),
      status: "SUCCESS",
      createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
    });
  return standin;
}

describe("the stand-in's REST lists, paged as GitLab pages them", () => {
  it("answers 20 items by default, with the next page in x-next-page and Link", async () => {
    const gl = await withPipelines(45);
    const first = await get(gl, "/api/v4/projects/acme%2Fshop/pipelines");
    expect(first.body).toHaveLength(20);
    expect(first.headers.get("x-next-page")).toBe("2");
    expect(first.headers.get("x-total")).toBe("45");
    expect(first.headers.get("x-total-pages")).toBe("3");
    expect(first.headers.get("link")).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    const last = await get(gl, "/api/v4/projects/acme%2Fshop/pipelines?page=3");
    expect(last.body).toHaveLength(5);
    expect(last.headers.get("x-next-page")).toBe("");
    expect(last.headers.get("link")).not.toMatch(/rel="next"/);
  });

  it("gives at most 100 items a page, however many are asked for", async () => {
    const gl = await withPipelines(150);
    const page = await get(gl, "/api/v4/projects/acme%2Fshop/pipelines?per_page=500");
    expect(page.body).toHaveLength(100);
    expect(page.headers.get("x-per-page")).toBe("100");
  });

  it("answers 429 with retry-after past its rate limit, and RateLimit-* headers on every answer", async () => {
    const gl = await withPipelines(1, { rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await get(gl, "/api/v4/projects/acme%2Fshop/pipelines");
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    await get(gl, "/api/v4/projects/acme%2Fshop/pipelines");
    const refused = await fetch(`${gl.url}/api/v4/projects/acme%2Fshop/pipelines`, {
      headers: { "PRIVATE-TOKEN": gl.token },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("reports its version at /api/v4/metadata, 18.9 or newer as it plays", async () => {
    standin = await new GitLabStandin({ visibility: false }).start();
    expect((await get(standin, "/api/v4/metadata")).body).toMatchObject({ version: "18.9.0-ee" });
  });

  it("takes a token only in the header GitLab takes it in", async () => {
    standin = await new GitLabStandin({ token: "oauth-token", tokenKind: "oauth" }).start();
    standin.state.addProject("acme/shop");
    const url = `${standin.url}/api/v4/projects/acme%2Fshop`;
    const privateToken = await fetch(url, { headers: { "PRIVATE-TOKEN": "oauth-token" } });
    expect(privateToken.status).toBe(401);
    const bearer = await fetch(url, { headers: { authorization: "Bearer oauth-token" } });
    expect(bearer.status).toBe(200);
  });
});
