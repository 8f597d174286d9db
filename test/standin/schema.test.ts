import { buildSchema, parse, printSchema, validate } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import {
  ALL_OPERATIONS,
  NEWER_OPERATIONS,
  statusQuery,
  statusQueryComplexity,
} from "../../src/gitlab/queries.js";
import {
  gitlabSchema,
  gitlabSdl,
  introspectionErrors,
  queryComplexity,
  type GitLabVariant,
} from "./gitlab-schema.js";
import { GitLabStandin } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const VARIANTS: GitLabVariant[] = ["18.9", "newer"];

async function post(body: unknown, headers: Record<string, string> = {}) {
  standin ??= await new GitLabStandin().start();
  const response = await fetch(`${standin.url}/api/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${standin.token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string }[] },
  };
}

describe("the stand-in's GraphQL schema", () => {
  it.each(VARIANTS)(
    "is GitLab's %s schema, derived from vendor/gitlab, with nothing added",
    (v) => {
      const served = printSchema(gitlabSchema(v));
      expect(served).toBe(printSchema(buildSchema(gitlabSdl(v))));
      expect(served).not.toMatch(/#@/);
    },
  );

  it("has `visibility` with PRIVATE, RESTRICTED and PUBLIC only in the newer form", () => {
    const newer = gitlabSchema("newer").getType("AiCatalogItemVisibility");
    expect(newer && "getValues" in newer && newer.getValues().map((v) => v.name)).toEqual([
      "PRIVATE",
      "RESTRICTED",
      "PUBLIC",
    ]);
    expect(gitlabSchema("18.9").getType("AiCatalogItemVisibility")).toBeUndefined();
    const create = printSchema(gitlabSchema("18.9"));
    expect(create).toMatch(/input AiCatalogFlowCreateInput \{[^}]*public: Boolean!/);
  });

  it("takes a consumer target only as GitLab's one-of ItemConsumerTargetInput", () => {
    const sdl = printSchema(gitlabSchema("newer"));
    expect(sdl).toMatch(/input ItemConsumerTargetInput @oneOf/);
    expect(sdl).not.toMatch(/AiCatalogItemConsumerTargetInput|pinnedVersionPrefix|locked/);
  });

  it.each(ALL_OPERATIONS.flatMap((o) => VARIANTS.map((v) => [o.name, v, o] as const)))(
    "accepts EnvSync's %s document on GitLab %s",
    (_name, variant, operation) => {
      const document = parse(operation.document);
      const errors = [
        ...validate(gitlabSchema(variant), document),
        ...introspectionErrors(document),
      ];
      expect(errors.map((e) => e.message)).toEqual([]);
    },
  );

  it.each(NEWER_OPERATIONS.map((o) => [o.name, o] as const))(
    "accepts EnvSync's %s document on the newer GitLab only",
    (_name, operation) => {
      const document = parse(operation.document);
      expect(validate(gitlabSchema("newer"), document).map((e) => e.message)).toEqual([]);
      expect(validate(gitlabSchema("18.9"), document).length).toBeGreaterThan(0);
    },
  );

  it("refuses a consumer target with both a group and a project, as GitLab's one-of does", async () => {
    const { body } = await post({
      query: `mutation M($input: AiCatalogItemConsumerCreateInput!) {
        aiCatalogItemConsumerCreate(input: $input) { errors }
      }`,
      operationName: "M",
      variables: {
        input: {
          itemId: "gid://gitlab/Ai::Catalog::Item/1",
          target: { groupId: "gid://gitlab/Group/1", projectId: "gid://gitlab/Project/2" },
        },
      },
    });
    expect(body.errors![0]!.message).toMatch(/exactly one key/i);
  });

  it("rejects a misspelt field over HTTP, as GitLab does", async () => {
    const { status, body } = await post({
      query: "query Q { aiCatalogItems(first: 5) { nodes { id nmae } } }",
    });
    expect(status).toBe(200);
    expect(body.errors![0]!.message).toContain('Cannot query field "nmae" on type "AiCatalogItem"');
  });

  it("refuses introspection in a named operation, as production GitLab does", async () => {
    const { body } = await post({
      query: 'query Probe { __type(name: "AiCatalogFlowCreateInput") { name } }',
      operationName: "Probe",
    });
    expect(body.errors![0]!.message).toBe("Field '__type' doesn't exist on type 'Query'");
    expect(body.data).toBeUndefined();
  });

  it("refuses a query over complexity 250 with GitLab's message, and answers one under it", async () => {
    const environments = [1, 2, 3];
    const big = statusQuery(Array.from({ length: 5 }, () => ({ environments })));
    const vars: Record<string, string> = {};
    for (let p = 0; p < 5; p++) {
      vars[`path${p}`] = "acme/none";
      for (const e of [0, 1, 2])
        Object.assign(vars, { [`ref${p}_${e}`]: "main", [`env${p}_${e}`]: "x" });
    }
    const refused = await post({ query: big.document, operationName: big.name, variables: vars });
    expect(refused.body.errors![0]!.message).toMatch(
      /^Query has complexity of \d+, which exceeds max complexity of 250$/,
    );
    const small = statusQuery([{ environments }]);
    const answered = await post({
      query: small.document,
      operationName: small.name,
      variables: {
        path0: "acme/none",
        ref0_0: "main",
        env0_0: "x",
        ref0_1: "main",
        env0_1: "x",
        ref0_2: "main",
        env0_2: "x",
      },
    });
    expect(answered.body.errors).toBeUndefined();
  });

  it("scores fields as GitLab does: resolvers, Gitaly calls, constants and connections", () => {
    const schema = gitlabSchema("newer");
    const score = (query: string, variables = {}) =>
      queryComplexity(schema, parse(query), undefined, variables);
    // project (resolver 1) + id (1)
    expect(score('{ project(fullPath: "a/b") { id } }')).toBe(2);
    // tree: resolver + Gitaly (2); lastCommit: constant 10; sha: 1
    expect(
      score('{ project(fullPath: "a/b") { repository { tree { lastCommit { sha } } } } }'),
    ).toBe(1 + 1 + 2 + 10 + 1);
    // pipelines(ref, first: 1): (children 2 + resolver 1 + ref 2) × 1.01, truncated
    expect(
      score('{ project(fullPath: "a/b") { pipelines(ref: "x", first: 1) { nodes { iid } } } }'),
    ).toBe(1 + 5);
    // aiCatalogItems(search, first: 100): (children + 1 + 5) × 2
    expect(score('{ aiCatalogItems(search: "x", first: 100) { nodes { id } } }')).toBe(
      (2 + 1 + 5) * 2,
    );
  });

  it.each([[[1]], [[3]], [[3, 3]], [[4, 2, 1]], [[8]]])(
    "scores EnvSync's status query for environments %j as EnvSync predicts",
    (counts) => {
      const query = statusQuery(counts.map((n) => ({ environments: Array(n).fill(0) })));
      const vars: Record<string, string> = {};
      counts.forEach((n, p) => {
        vars[`path${p}`] = "acme/shop";
        for (let e = 0; e < n; e++) {
          vars[`ref${p}_${e}`] = "main";
          vars[`env${p}_${e}`] = "prod";
        }
      });
      const schema = gitlabSchema("newer");
      const computed = queryComplexity(schema, parse(query.document), query.name, vars);
      expect(computed).toBe(statusQueryComplexity(counts));
    },
  );
});
