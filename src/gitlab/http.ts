/**
 * Every request EnvSync sends to GitLab goes through here: a timeout on each attempt, retries with
 * backoff, `retry-after` honoured on 429, GitLab's error bodies turned into typed errors, the token
 * never in any message. Reads (GET, GraphQL queries) also retry on 5xx, timeouts and network errors;
 * writes retry only where GitLab cannot have applied them (429, 502, 503, 504), so a retry never
 * doubles a write. A re-run converges instead, because every write is preceded by a read.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { authHeaders, connectionFromEnv, redact, type GitLabConnection } from "./connection.js";
import { GitLabError } from "./errors.js";

export interface RetryPolicy {
  timeoutMs: number;
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  timeoutMs: 30_000,
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
};

export interface HttpOptions {
  policy?: Partial<RetryPolicy>;
  /** Requests in flight at once, across everything sharing this client. */
  maxConcurrent?: number;
  /** Token scope named in authentication hints, e.g. "api". */
  scope?: string;
  /** Injected so tests can observe waits without sleeping. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (event: {
    method: string;
    path: string;
    attempt: number;
    delayMs: number;
    reason: string;
  }) => void;
}

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

const RETRY_ALWAYS = new Set([429, 502, 503, 504]);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GitLabHttp {
  readonly policy: RetryPolicy;
  /** Requests sent, retries included: reported by commands that promise few round trips. */
  requestCount = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limit: LimitFunction;

  constructor(
    readonly connection: GitLabConnection,
    private readonly options: HttpOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.sleep = options.sleep ?? defaultSleep;
    this.limit = pLimit(options.maxConcurrent ?? 16);
  }

  /** Sends a request, holding one of the client's concurrency slots for each attempt (not while waiting to retry). */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? request.method === "GET";
    const shownPath = request.path.split("?")[0]!;
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.policy.retries;
      let response: Response;
      try {
        response = await this.limit(async () => {
          this.requestCount++;
          const answer = await fetch(this.connection.baseUrl + request.path, {
            method: request.method,
            headers: {
              ...authHeaders(this.connection),
              ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
              ...request.headers,
            },
            ...(request.body !== undefined ? { body: request.body } : {}),
            signal: AbortSignal.timeout(this.policy.timeoutMs),
          });
          // Read the body inside the slot, so a slot frees only when the exchange is over.
          const body = await answer.text();
          return new Response([204, 205, 304].includes(answer.status) ? null : body, {
            status: answer.status,
            statusText: answer.statusText,
            headers: answer.headers,
          });
        });
      } catch (error) {
        const timedOut =
          (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
        const reason = timedOut
          ? `no answer within ${this.policy.timeoutMs / 1000}s`
          : `cannot reach ${this.connection.baseUrl} (${networkCode(error)})`;
        if (idempotent && canRetry) {
          await this.wait(request, shownPath, attempt, this.backoff(attempt), reason);
          continue;
        }
        throw new GitLabError(reason, {
          status: 0,
          method: request.method,
          path: shownPath,
          hint: timedOut
            ? "GitLab may be overloaded; run the command again (it converges)"
            : "check GITLAB_URL and the network",
        });
      }
      const text = redact(await response.text(), this.connection.token);
      if (response.ok) return { status: response.status, headers: response.headers, text };
      const retryable = RETRY_ALWAYS.has(response.status) || (idempotent && response.status >= 500);
      if (retryable && canRetry) {
        const delay =
          response.status === 429
            ? this.retryAfter(response.headers.get("retry-after"), attempt)
            : this.backoff(attempt);
        await this.wait(request, shownPath, attempt, delay, `HTTP ${response.status}`);
        continue;
      }
      throw this.toError(request.method, shownPath, response, text, attempt);
    }
  }

  private async wait(
    request: HttpRequest,
    path: string,
    attempt: number,
    delayMs: number,
    reason: string,
  ): Promise<void> {
    this.options.onRetry?.({ method: request.method, path, attempt: attempt + 1, delayMs, reason });
    await this.sleep(delayMs);
  }

  private backoff(attempt: number): number {
    return Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** attempt);
  }

  /** `retry-after` is seconds or an HTTP date; without one, fall back to backoff. */
  private retryAfter(header: string | null, attempt: number): number {
    if (header === null) return this.backoff(attempt);
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    return Number.isFinite(ms)
      ? Math.min(this.policy.maxDelayMs, Math.max(0, ms))
      : this.backoff(attempt);
  }

  private toError(
    method: string,
    path: string,
    response: Response,
    text: string,
    attempt: number,
  ): GitLabError {
    const requestId = response.headers.get("x-request-id") ?? undefined;
    const scope = this.options.scope ?? "api";
    const server = messageOf(text);
    const details = { status: response.status, method, path, ...(requestId ? { requestId } : {}) };
    const retried = attempt > 0 ? ` after ${attempt + 1} attempts` : "";
    switch (response.status) {
      case 401:
        return new GitLabError("the token was rejected (401 Unauthorized)", {
          ...details,
          hint: `GITLAB_TOKEN must be a valid, unexpired access token with the '${scope}' scope`,
        });
      case 403:
        return new GitLabError(`forbidden (403)${server ? `: ${server}` : ""}`, {
          ...details,
          hint: `the token needs the '${scope}' scope and its user enough access (Maintainer or Owner for catalog and group settings)`,
        });
      case 404:
        return new GitLabError(`not found (404)${server ? `: ${server}` : ""}`, {
          ...details,
          hint: "check the path in envsync.yaml and that the token's user can see it",
        });
      case 429:
        return new GitLabError(`rate limited (429)${retried}`, {
          ...details,
          hint: "wait a minute and run the command again",
        });
      default:
        return new GitLabError(
          `HTTP ${response.status}${retried}${server ? `: ${server}` : ""}`,
          details,
        );
    }
  }
}

/** A client for the GitLab the environment names, with the token scope the command needs. */
export function httpFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  needs: {
    scope: "api" | "read_api";
    allowJobToken: boolean;
    /** The origin remote, for the instance when the environment names none. */
    origin?: { baseUrl: string } | undefined;
  },
  options: Omit<HttpOptions, "scope"> = {},
): GitLabHttp {
  return new GitLabHttp(connectionFromEnv(env, needs), { ...options, scope: needs.scope });
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

/** GitLab error bodies: {"message": "..."} (string or field map) or {"error": "..."}. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as {
      message?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    const value = body.message ?? body.error_description ?? body.error;
    if (value === undefined) return "";
    const message = typeof value === "string" ? value : JSON.stringify(value);
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
  } catch {
    return text.trim().slice(0, 200);
  }
}
