// GitLab answers GraphQL errors with HTTP 200 and an `errors` array: each operation says what to
// check, so a status error does not send the user to the AI Catalog.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitLabGraphQL } from "../../src/gitlab/graphql.js";
import { GitLabHttp } from "../../src/gitlab/http.js";
import { CATALOG_ITEMS, PROJECT_ID } from "../../src/gitlab/queries.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin;
beforeEach(async () => {
  standin = await new GitLabStandin().start();
});
afterEach(() => standin.stop());

const client = () =>
  new GitLabGraphQL(
    new GitLabHttp({ baseUrl: standin.url, token: standin.token, tokenKind: "access_token" }),
  );

describe("GitLab's GraphQL errors", () => {
  it.each([
    [PROJECT_ID, { path: "acme/shop" }, /project and group paths/],
    [CATALOG_ITEMS, { search: "x", after: null }, /AI Catalog needs GitLab 18\.5\+/],
  ] as const)("carry the hint of the operation that failed (%#)", async (operation, vars, hint) => {
    standin.fail({
      operation: operation.name,
      respond: { status: 200, body: { errors: [{ message: "Something went wrong" }] } },
    });
    const error = await client()
      .run(operation as typeof PROJECT_ID, vars as { path: string })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "gitlab-api",
      message: expect.stringContaining("Something went wrong") as unknown,
      hint: expect.stringMatching(hint) as unknown,
    });
  });
});
