/**
 * Every request EnvSync sends to GitLab goes through here: a timeout on each attempt, retries with
 * backoff, `retry-after` honoured on 429, GitLab's error bodies turned into typed errors, the token
 * never in any message. Reads (GET, GraphQL queries) also retry on 5xx, timeouts and network errors
 * (not on a host name that does not resolve, which no retry mends); writes retry only where GitLab
 * cannot have applied them (429, 502, 503, 504), so a retry never doubles a write. A re-run
 * converges instead, because every write is preceded by a read.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { redact, type GitLabConnection } from "./connection.js";
import { errorForAnswer, GitLabError } from "./errors.js";
import { LatencyGovernor } from "./governor.js";
import { MAX_TIMER_MS, RateBudget } from "./rate-budget.js";
import { exchange, type Fetch, type HttpRequest, type HttpResponse } from "./transport.js";

export type { Fetch, HttpRequest, HttpResponse } from "./transport.js";

export interface RetryPolicy {
  /** One attempt. */
  timeoutMs: number;
  /** One request, retries and waits included. */
  deadlineMs: number;
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  timeoutMs: 30_000,
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  deadlineMs: 120_000,
};

export interface HttpOptions {
  policy?: Partial<RetryPolicy>;
  /** Requests in flight at once, across everything sharing this client. */
  maxConcurrent?: number;
  /** Token scope named in authentication hints, e.g. "api". */
  scope?: string;
  /** Injected so tests can observe waits without sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** A line for people while a request is slow or waiting to be retried. */
  onWait?: (line: string) => void;
  /** Sends one attempt; injected so tests can fail as a network does (DNS) without one. */
  fetch?: Fetch;
}

const RETRY_ALWAYS = new Set([429, 502, 503, 504]);
/**
 * Name resolution failures no retry mends, so none is made. ENOTFOUND is the resolver's "no such
 * name" (getaddrinfo's EAI_NONAME and EAI_NODATA), EAI_FAIL its "non-recoverable failure": a typo in
 * GITLAB_URL, or a name only a VPN knows, is as unknown in a second as now, and four retries only
 * delay the answer. EAI_AGAIN is not here: it means "try again" (the resolver did not answer in
 * time), which a CI runner's cluster DNS does under load and a second later answers; it keeps the
 * retries of other network errors, which offline cost under ten seconds of backoff.
 */
const UNRESOLVABLE = new Set(["ENOTFOUND", "EAI_FAIL"]);
const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, MAX_TIMER_MS)));

export class GitLabHttp {
  readonly policy: RetryPolicy;
  /** Requests sent, retries included: reported by commands that promise few round trips. */
  requestCount = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limit: LimitFunction;
  /** GitLab's rate limit, paced by its RateLimit-* headers. */
  private readonly budget: RateBudget;
  /** Requests in flight follow GitLab's latency, up to `maxConcurrent`. */
  private readonly governor: LatencyGovernor;
  /** The most requests in flight at once. */
  readonly maxConcurrent: number;

  constructor(
    readonly connection: GitLabConnection,
    private readonly options: HttpOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.sleep = options.sleep ?? defaultSleep;
    this.maxConcurrent = options.maxConcurrent ?? 16;
    this.governor = new LatencyGovernor(this.maxConcurrent);
    this.limit = pLimit(this.governor.limit);
    this.budget = new RateBudget({
      sleep: this.sleep,
      ...(options.onWait ? { onWait: options.onWait } : {}),
    });
  }

  /**
   * Sends a request, holding one of the client's concurrency slots for each attempt (not while
   * waiting to retry), within the policy's deadline for the whole request.
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? request.method === "GET";
    const shownPath = request.path.split("?")[0]!;
    const started = Date.now();
    const left = () => this.policy.deadlineMs - (Date.now() - started);
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.policy.retries;
      let response: HttpResponse;
      try {
        response = await this.limit(async () => {
          // The first request goes alone: until GitLab answers, its budget is unknown.
          const first = await this.budget.awaitFirstAnswer();
          try {
            const seq = await this.budget.take(`${request.method} ${shownPath}`);
            this.requestCount++;
            const sent = Date.now();
            const answer = await exchange(this.connection, request, {
              timeoutMs: Math.min(this.policy.timeoutMs, left()),
              ...(this.options.onWait ? { onWait: this.options.onWait } : {}),
              ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
            });
            this.governor.observe(Date.now() - sent);
            if (this.limit.concurrency !== this.governor.limit)
              this.limit.concurrency = this.governor.limit;
            this.budget.note(answer.headers, seq);
            return answer;
          } finally {
            first?.();
          }
        });
      } catch (error) {
        if (error instanceof GitLabError) throw error;
        const timedOut =
          (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
        const code = networkCode(error);
        if (!timedOut && UNRESOLVABLE.has(code)) {
          const host = hostOf(error) ?? new URL(this.connection.baseUrl).hostname;
          throw new GitLabError(
            `cannot reach ${this.connection.baseUrl}: ${host} does not resolve (${code})`,
            {
              status: 0,
              method: request.method,
              path: shownPath,
              hint: "check GITLAB_URL (without it, the origin remote's host) for a typo; a name only a VPN resolves needs the VPN",
            },
          );
        }
        const reason = timedOut
          ? `no answer within ${Math.round(Math.min(this.policy.timeoutMs, this.policy.deadlineMs) / 100) / 10}s`
          : `cannot reach ${this.connection.baseUrl} (${code})`;
        const delay = this.backoff(attempt);
        if (idempotent && canRetry && left() > delay) {
          await this.wait(request, shownPath, attempt, delay, reason);
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
      const text = redact(response.text, this.connection.token);
      if (response.status < 300) return { ...response, text };
      const retryable = RETRY_ALWAYS.has(response.status) || (idempotent && response.status >= 500);
      const delay =
        response.status === 429
          ? this.retryAfter(response.headers.get("retry-after"), attempt)
          : this.backoff(attempt);
      if (retryable && canRetry && left() > delay) {
        await this.wait(request, shownPath, attempt, delay, `HTTP ${response.status}`);
        continue;
      }
      throw errorForAnswer(
        { method: request.method, path: shownPath, status: response.status, text, attempt },
        response.headers,
        this.options.scope ?? "api",
      );
    }
  }

  private async wait(
    request: HttpRequest,
    path: string,
    attempt: number,
    delayMs: number,
    reason: string,
  ): Promise<void> {
    const seconds = Math.round(delayMs / 100) / 10;
    this.options.onWait?.(
      `retrying ${request.method} ${path} in ${seconds}s (${reason}, attempt ${attempt + 1})`,
    );
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
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

/** The name the resolver was asked for, as Node's DNS errors carry it. */
function hostOf(error: unknown): string | undefined {
  const cause = (error as { cause?: { hostname?: unknown } }).cause;
  return typeof cause?.hostname === "string" ? cause.hostname : undefined;
}
