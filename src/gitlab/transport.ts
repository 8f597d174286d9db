/**
 * One exchange with GitLab: the request with the token, redirects followed only within GitLab's
 * own origin, a timer for the attempt, and the answer read up to MAX_RESPONSE_BYTES. Retries,
 * pacing and error mapping are http.ts's.
 */
import { authHeaders, type GitLabConnection } from "./connection.js";
import { GitLabError } from "./errors.js";

/** The largest answer EnvSync reads; a larger one is refused, not buffered. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** After this long without an answer, say on stderr what EnvSync is waiting for. */
const SLOW_AFTER_MS = 10_000;

export interface HttpRequest {
  method: string;
  /** Path with query, relative to the host: /api/v4/projects/1 or /api/graphql. */
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Safe to send twice (reads). Defaults to true for GET. */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The one network call an exchange makes: the global `fetch`, or a test's stand-in for it. */
export type Fetch = typeof fetch;

/**
 * One attempt. Redirects are followed only within GitLab's own origin (GitLab answers some
 * errors with a redirect to its sign-in page; a token never goes anywhere else), and the answer
 * is read up to MAX_RESPONSE_BYTES.
 */
export async function exchange(
  connection: GitLabConnection,
  request: HttpRequest,
  options: { timeoutMs: number; onWait?: (line: string) => void; fetch?: Fetch },
): Promise<HttpResponse> {
  const send = options.fetch ?? fetch;
  const shownPath = request.path.split("?")[0]!;
  const origin = new URL(connection.baseUrl).origin;
  // Our own timer, cleared when the exchange ends: AbortSignal.timeout keeps every signal and
  // its timer alive for the whole timeout, which adds up over thousands of requests.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("no answer in time", "TimeoutError")),
    Math.max(1, options.timeoutMs),
  );
  const { signal } = controller;
  const slow = setTimeout(
    () => options.onWait?.(`waiting for GitLab: ${request.method} ${shownPath}`),
    SLOW_AFTER_MS,
  );
  try {
    let url = new URL(connection.baseUrl + request.path);
    let method = request.method;
    let body = request.body;
    for (let hop = 0; ; hop++) {
      const answer = await send(url, {
        method,
        redirect: "manual",
        headers: {
          ...authHeaders(connection),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...request.headers,
        },
        ...(body !== undefined ? { body } : {}),
        signal,
      });
      const location = answer.headers.get("location");
      if (answer.status >= 300 && answer.status < 400 && location) {
        await answer.body?.cancel();
        const next = new URL(location, url);
        if (next.origin !== origin || hop >= MAX_REDIRECTS) {
          throw new GitLabError(
            next.origin !== origin
              ? `redirected to another origin (${next.origin}); not followed, so the token stays with GitLab`
              : `more than ${MAX_REDIRECTS} redirects`,
            {
              status: answer.status,
              method: request.method,
              path: shownPath,
              hint: "check GITLAB_URL: it should be the instance's own address",
            },
          );
        }
        // 303 (and 301/302 for a POST, as browsers do) turns the request into a GET.
        if (answer.status === 303 || (method === "POST" && answer.status < 303)) {
          method = "GET";
          body = undefined;
        }
        url = next;
        continue;
      }
      // Read the body inside the slot, so a slot frees only when the exchange is over.
      const text = [204, 205, 304].includes(answer.status)
        ? ""
        : await readCapped(answer, request.method, shownPath);
      return { status: answer.status, headers: answer.headers, text };
    }
  } finally {
    clearTimeout(slow);
    clearTimeout(timer);
  }
}

/** The body as text, refused past MAX_RESPONSE_BYTES instead of read whole. */
async function readCapped(answer: Response, method: string, path: string): Promise<string> {
  const declared = Number(answer.headers.get("content-length") ?? "0");
  const tooLarge = () =>
    new GitLabError(`the answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`, {
      status: answer.status,
      method,
      path,
      hint: "EnvSync reads at most that much of one answer; ask for less (a smaller page or range)",
    });
  if (declared > MAX_RESPONSE_BYTES) {
    await answer.body?.cancel();
    throw tooLarge();
  }
  if (!answer.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of answer.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
