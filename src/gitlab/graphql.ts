/**
 * The one GraphQL client: POST /api/graphql through GitLabHttp. GitLab answers GraphQL errors with
 * HTTP 200 and an `errors` array; mutations also report failures in their payload's `errors`. Both
 * become GitLabError with the messages GitLab gave.
 */
import * as z from "zod";
import { parseAnswer, parseJson } from "./answer.js";
import { GitLabError } from "./errors.js";
import type { GitLabHttp } from "./http.js";
import type { GraphQLOperation } from "./queries.js";

/** GraphQL's envelope: `data`, checked per operation, and `errors`. */
const ENVELOPE = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(
      z.object({
        message: z.string(),
        path: z.array(z.union([z.string(), z.number()])).nullish(),
      }),
    )
    .nullish(),
});

export class GitLabGraphQL {
  constructor(private readonly http: GitLabHttp) {}

  async run<TData, TVars>(
    operation: GraphQLOperation<TData, TVars>,
    variables: TVars,
  ): Promise<TData> {
    const response = await this.http.send({
      method: "POST",
      path: "/api/graphql",
      body: JSON.stringify({ operationName: operation.name, query: operation.document, variables }),
      idempotent: operation.kind === "query",
    });
    const request = `POST /api/graphql (${operation.name})`;
    const parsed = parseJson(response.text, {
      status: response.status,
      method: "POST",
      path: `/api/graphql (${operation.name})`,
    });
    const body = parseAnswer(ENVELOPE, parsed, request);
    if (body.errors && body.errors.length > 0) {
      const messages = body.errors.map((e) =>
        e.path ? `${e.message} (at ${e.path.join(".")})` : e.message,
      );
      throw new GitLabError(`GraphQL ${operation.name}: ${messages.join("; ")}`, {
        status: response.status,
        method: "POST",
        path: "/api/graphql",
        ...(response.headers.get("x-request-id")
          ? { requestId: response.headers.get("x-request-id")! }
          : {}),
        hint: operation.hint,
      });
    }
    if (!body.data)
      throw new GitLabError(`GraphQL ${operation.name}: empty answer`, {
        status: response.status,
        method: "POST",
        path: "/api/graphql",
      });
    return parseAnswer(operation.answer, body.data, request);
  }
}

/** A mutation payload's `errors` (HTTP 200) as a typed error. */
export function assertNoPayloadErrors(
  operation: string,
  payload: { errors?: string[] | null } | null | undefined,
): void {
  if (!payload)
    throw new GitLabError(
      `${operation}: no payload (not permitted, or not available on this GitLab)`,
      { status: 200, method: "POST", path: "/api/graphql" },
    );
  if (payload.errors && payload.errors.length > 0) {
    throw new GitLabError(`${operation}: ${payload.errors.join("; ")}`, {
      status: 200,
      method: "POST",
      path: "/api/graphql",
    });
  }
}

/** The most pages EnvSync reads of one GraphQL connection (100 nodes each). */
export const MAX_GRAPHQL_PAGES = 200;

interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Every node of a paginated GraphQL connection, page by page. Bounded: a cursor GitLab gave before
 * (an answer that loops) or more than MAX_GRAPHQL_PAGES pages stop the reading with an error, never
 * an endless run.
 */
export async function allPages<T>(
  operation: string,
  page: (after: string | null) => Promise<Page<T> | null | undefined>,
): Promise<T[]> {
  const nodes: T[] = [];
  const seen = new Set<string>();
  let after: string | null = null;
  for (let read = 0; ; read++) {
    if (read === MAX_GRAPHQL_PAGES)
      throw new GitLabError(
        `GraphQL ${operation}: more than ${MAX_GRAPHQL_PAGES} pages; EnvSync reads no further`,
        { status: 200, method: "POST", path: "/api/graphql", unreadable: true },
      );
    const answer = await page(after);
    nodes.push(...(answer?.nodes ?? []));
    const next = answer?.pageInfo.hasNextPage ? answer.pageInfo.endCursor : null;
    if (!next) return nodes;
    if (seen.has(next))
      throw new GitLabError(
        `GraphQL ${operation}: the next page's cursor repeats an earlier one; GitLab's answer loops`,
        { status: 200, method: "POST", path: "/api/graphql", unreadable: true },
      );
    seen.add(next);
    after = next;
  }
}
