/**
 * REST through @gitbeaker/rest, with its transport replaced by GitLabHttp: gitbeaker gives typed
 * resources, GitLabHttp gives the timeouts, retry-after handling and error mapping every EnvSync
 * request shares (gitbeaker's own handler retries only 429/502 and ignores retry-after).
 */
import { createRequesterFn } from "@gitbeaker/requester-utils";
import { Gitlab } from "@gitbeaker/rest";
import { parseAnswer, parseJson } from "./answer.js";
import { GitLabError } from "./errors.js";
import type { GitLabHttp } from "./http.js";
import type { RestOperation } from "./rest-operations.js";

export type RestClient = InstanceType<typeof Gitlab<false>>;

/**
 * The most pages EnvSync reads of one list (100 items each). gitbeaker follows `Link: rel="next"`
 * as long as there is one; each page's answer is checked here instead, so a list ends with an error
 * past this many pages or when its next link does not move forward (a link that repeats).
 */
export const MAX_REST_PAGES = 100;

const clients = new WeakMap<GitLabHttp, RestClient>();

/**
 * The REST client of `http`, made once: a gitbeaker client builds every resource it has, which is
 * not free. Its own rate limiters are turned off; EnvSync's HTTP policy paces requests.
 */
export function createRestClient(http: GitLabHttp): RestClient {
  let client = clients.get(http);
  if (!client) {
    client = makeRestClient(http);
    clients.set(http, client);
  }
  return client;
}

function makeRestClient(http: GitLabHttp): RestClient {
  const requesterFn = createRequesterFn(
    (_service, options) => Promise.resolve(options),
    async (endpoint, options = {}) => {
      const prefix =
        typeof options.prefixUrl === "string"
          ? options.prefixUrl
          : `${http.connection.baseUrl}/api/v4/`;
      const url = new URL(endpoint, prefix.endsWith("/") ? prefix : `${prefix}/`);
      if (typeof options.searchParams === "string") url.search = options.searchParams;
      const headers = Object.fromEntries(
        Object.entries((options.headers ?? {}) as Record<string, string>).filter(
          ([name]) => !/^(private-token|job-token|authorization)$/i.test(name),
        ),
      );
      const method = typeof options.method === "string" ? options.method : "GET";
      const response = await http.send({
        method,
        path: url.pathname + url.search,
        ...(typeof options.body === "string" ? { body: options.body } : {}),
        headers,
      });
      const type = response.headers.get("content-type") ?? "";
      const request = { status: response.status, method, path: url.pathname };
      checkNextPage(url, response.headers.get("link"), request);
      const body =
        response.status === 204
          ? null
          : type.includes("application/json")
            ? ((parseJson(response.text || "null", request) as Record<string, unknown> | null) ??
              {})
            : response.text;
      return {
        body,
        headers: Object.fromEntries(response.headers.entries()),
        status: response.status,
      };
    },
  );
  // The token is only needed to satisfy gitbeaker's constructor; GitLabHttp sets the auth header.
  return new Gitlab({
    host: http.connection.baseUrl,
    token: http.connection.token,
    requesterFn,
    rateLimits: {},
  });
}

/** REST calls as operations (rest-operations.ts): each answer checked against its shape. */
export class GitLabRest {
  private readonly client: RestClient;

  constructor(http: GitLabHttp) {
    this.client = createRestClient(http);
  }

  async run<TData, TVars>(operation: RestOperation<TData, TVars>, vars: TVars): Promise<TData> {
    return parseAnswer(operation.answer, await operation.send(this.client, vars), operation.label);
  }
}

/** The page a `Link` header's rel="next" points at: undefined without one, NaN when unreadable. */
function nextPage(link: string | null, base: URL): number | undefined {
  for (const part of (link ?? "").split(",")) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="next"\s*$/.exec(part);
    if (!match) continue;
    try {
      return Number(new URL(match[1]!, base).searchParams.get("page") ?? "1");
    } catch {
      return NaN;
    }
  }
  return undefined;
}

/** Refuses a page whose next link repeats or goes back, and a list longer than MAX_REST_PAGES. */
function checkNextPage(
  url: URL,
  link: string | null,
  request: { status: number; method: string; path: string },
): void {
  const next = nextPage(link, url);
  if (next === undefined) return;
  const page = Number(url.searchParams.get("page") ?? "1");
  const facts = { ...request, unreadable: true };
  if (!(next > page))
    throw new GitLabError(
      `the next page link does not move forward (page ${page}, then ${next}); GitLab's answer loops`,
      facts,
    );
  if (page >= MAX_REST_PAGES)
    throw new GitLabError(`more than ${MAX_REST_PAGES} pages; EnvSync reads no further`, facts);
}
