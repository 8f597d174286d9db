// Lists GitLab never ends: a REST next link that repeats or runs on forever, a GraphQL cursor that
// repeats. Each stops with a clear error after a bounded number of requests, counted here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogApi } from "../../src/gitlab/catalog.js";
import type { GitLab } from "../../src/gitlab/access.js";
import { MAX_GRAPHQL_PAGES } from "../../src/gitlab/graphql.js";
import { MAX_REST_PAGES } from "../../src/gitlab/rest.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const DIFF = /\/repository\/commits\/[0-9a-f]+\/diff$/;

/** A project with one pending commit, whose diff drift reads page by page. */
async function withPendingCommit(): Promise<GitLabStandin> {
  const gl = (standin = await new GitLabStandin().start());
  attachRepositoryRoutes(gl);
  const repo = new TestRepo();
  repo.commit("base", { "a.txt": "a\n" });
  repo.git("branch", "main");
  repo.git("checkout", "-q", "-b", "staging");
  repo.commit("Pending", { "b.txt": "b\n" });
  gl.state.repositories.set(gl.state.addProject("acme/shop").id, repo.dir);
  return gl;
}

/**
 * The commit diff route answered with one file per page and `next(page)` as its next link; after
 * 500 answers it stops linking, so a client without a bound ends too (and the
 * request count shows it) instead of running until the test times out.
 */
function diffPages(gl: GitLabStandin, next: (page: number) => number) {
  let answered = 0;
  gl.route(
    "GET",
    /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([0-9a-f]+)\/diff$/,
    (req) => {
      const page = Number(req.query.get("page") ?? "1");
      const link = `${gl.url}${req.path}?page=${next(page)}&per_page=100`;
      const headers: Record<string, string> =
        ++answered < 500 ? { link: `<${link}>; rel="next"` } : {};
      return {
        status: 200,
        body: [
          {
            old_path: `f${page}.txt`,
            new_path: `f${page}.txt`,
            a_mode: "100644",
            b_mode: "100644",
            new_file: true,
            renamed_file: false,
            deleted_file: false,
            diff: `@@ -0,0 +1 @@\n+${page}\n`,
            collapsed: false,
            too_large: false,
          },
        ],
        headers,
      };
    },
  );
}

async function drift(gl: GitLabStandin) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
  return envsyncIn(
    { env: testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url }) },
    ...["drift", "-c", config, "-C", tempDir(), "--api", "--json"],
  );
}

describe("REST lists that never end", () => {
  it("stops at a next link that repeats, after its first page", async () => {
    const gl = await withPendingCommit();
    diffPages(gl, () => 1);
    const result = await drift(gl);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error.code).toBe("gitlab-answer-invalid");
    expect(result.err).toContain("the next page link does not move forward (page 1, then 1)");
    expect(gl.requests({ path: DIFF })).toHaveLength(1);
  });

  it(`stops a list that runs on forever after ${MAX_REST_PAGES} pages`, async () => {
    const gl = await withPendingCommit();
    diffPages(gl, (page) => page + 1);
    const result = await drift(gl);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error.code).toBe("gitlab-answer-invalid");
    expect(result.err).toContain(`more than ${MAX_REST_PAGES} pages; EnvSync reads no further`);
    expect(gl.requests({ path: DIFF })).toHaveLength(MAX_REST_PAGES);
  });
});

describe("GraphQL connections that never end", () => {
  /** A catalog whose every answer says there is a next page, at `cursor(call)`. */
  function catalog(cursor: (call: number) => string) {
    let calls = 0;
    const graphql = {
      run: () => {
        // Far past any bound: today's loop would run on; this ends the test instead.
        if (++calls > 2000) return Promise.reject(new Error("still asking"));
        const connection = {
          nodes: [{ id: `gid://gitlab/Tool/${calls}`, name: `tool${calls}` }],
          pageInfo: { hasNextPage: true, endCursor: cursor(calls) },
        };
        return Promise.resolve({ aiCatalogBuiltInTools: connection });
      },
    };
    const api = new CatalogApi({ graphql, rest: {} } as unknown as Pick<
      GitLab,
      "graphql" | "rest"
    >);
    return { api, calls: () => calls };
  }

  it("stops when a cursor repeats an earlier one", async () => {
    const { api, calls } = catalog((call) => (call % 2 === 0 ? "a" : "b"));
    await expect(api.builtInTools()).rejects.toMatchObject({
      code: "gitlab-answer-invalid",
      message: expect.stringContaining("the next page's cursor repeats an earlier one"),
    });
    expect(calls()).toBe(3);
  });

  it(`stops after ${MAX_GRAPHQL_PAGES} pages of new cursors`, async () => {
    const { api, calls } = catalog((call) => `c${call}`);
    await expect(api.builtInTools()).rejects.toMatchObject({
      code: "gitlab-answer-invalid",
      message: expect.stringContaining(`more than ${MAX_GRAPHQL_PAGES} pages`),
    });
    expect(calls()).toBe(MAX_GRAPHQL_PAGES);
  });
});
