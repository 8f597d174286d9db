import { parse, validate } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { ALL_OPERATIONS } from "../../src/gitlab/queries.js";
import { catalogSchema } from "./catalog.js";
import { GitLabStandin } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => standin?.stop());

describe("the stand-in's GraphQL schema", () => {
  it.each(ALL_OPERATIONS.map((o) => [o.name, o] as const))(
    "accepts EnvSync's %s document",
    (_name, operation) => {
      const schema = catalogSchema({ visibility: true });
      expect(validate(schema, parse(operation.document)).map((e) => e.message)).toEqual([]);
    },
  );

  it("rejects a misspelt field over HTTP, as GitLab does", async () => {
    standin = await new GitLabStandin().start();
    const response = await fetch(`${standin.url}/api/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "PRIVATE-TOKEN": standin.token },
      body: JSON.stringify({ query: "query { aiCatalogItems(first: 5) { nodes { id nmae } } }" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toContain('Cannot query field "nmae" on type "AiCatalogItem"');
  });

  it("plays an older GitLab without `visibility` when asked", () => {
    const legacy = catalogSchema({ visibility: false });
    const errors = validate(
      legacy,
      parse(
        'mutation { aiCatalogFlowCreate(input: {projectId: "gid://gitlab/Project/1", name: "n", description: "d", definition: "x", visibility: PRIVATE}) { errors } }',
      ),
    );
    expect(errors.map((e) => e.message).join()).toMatch(/visibility/);
  });
});
