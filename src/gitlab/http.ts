/**
 * Every request EnvSync sends to GitLab goes through here: a timeout on each attempt, retries with
 * backoff, `retry-after` honoured on 429, GitLab's error bodies turned into typed errors, the token
 * never in any message. Reads (GET, GraphQL queries) also retry on 5xx, timeouts and network errors;
 * writes retry only where GitLab cannot have applied them (429, 502, 503, 504), so a retry never
 * doubles a write. A re-run converges instead, because every write is preceded by a read.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { authHeaders, redact, type GitLabConnection } from "./connection.js";
import { GitLabError } from "./errors.js";
import { LatencyGovernor } from "./governor.js";

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

/** The largest answer EnvSync reads; a larger one is refused, not buffered. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** After this long without an answer, say on stderr what EnvSync is waiting for. */
const SLOW_AFTER_MS = 10_000;

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
}

/** GitLab's rate-limit budget, counted down locally between its answers. */
interface RateBudget {
  remaining: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
  limit: number;
  /**
   * Set on a window EnvSync started itself when the last one ended (its end guessed until GitLab
   * answers): the end of the window before.
   */
  after?: number;
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

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

/** A promise with its resolve function, for waits that another request ends. */
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

export class GitLabHttp {
  readonly policy: RetryPolicy;
  /** Requests sent, retries included: reported by commands that promise few round trips. */
  requestCount = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limit: LimitFunction;
  /**
   * What GitLab's RateLimit-* headers last said, counted down locally between answers: one budget
   * for REST and GraphQL, since GitLab counts them together per user.
   */
  private rateBudget: RateBudget | undefined;
  /** Requests sent so far, numbering each: an answer's count misses those sent after it. */
  private sent = 0;
  /** Settled by the next answer that changes the budget (see budgetNews). */
  private news: Deferred | undefined;
  /**
   * Until GitLab's first answer, nothing says what the budget is: the first request goes alone and
   * the others wait for its answer (settled here), so a burst never starts over a limit unknown.
   */
  private firstAnswer: Deferred | undefined;
  private answered = false;
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
          const first = await this.awaitFirstAnswer();
          try {
            await this.paceForRateLimit(request, shownPath);
            this.requestCount++;
            const seq = ++this.sent;
            const sent = Date.now();
            const answer = await this.exchange(
              request,
              shownPath,
              Math.min(this.policy.timeoutMs, left()),
            );
            this.governor.observe(Date.now() - sent);
            if (this.limit.concurrency !== this.governor.limit)
              this.limit.concurrency = this.governor.limit;
            this.noteRateLimit(answer.headers, seq);
            return answer;
          } finally {
            first?.();
          }
        });
      } catch (error) {
        if (error instanceof GitLabError) throw error;
        const timedOut =
          (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
        const reason = timedOut
          ? `no answer within ${Math.round(Math.min(this.policy.timeoutMs, this.policy.deadlineMs) / 100) / 10}s`
          : `cannot reach ${this.connection.baseUrl} (${networkCode(error)})`;
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
      throw this.toError(request.method, shownPath, response, text, attempt);
    }
  }

  /**
   * One attempt. Redirects are followed only within GitLab's own origin (GitLab answers some
   * errors with a redirect to its sign-in page; a token never goes anywhere else), and the answer
   * is read up to MAX_RESPONSE_BYTES.
   */
  private async exchange(
    request: HttpRequest,
    shownPath: string,
    timeoutMs: number,
  ): Promise<HttpResponse> {
    const origin = new URL(this.connection.baseUrl).origin;
    // Our own timer, cleared when the exchange ends: AbortSignal.timeout keeps every signal and
    // its timer alive for the whole timeout, which adds up over thousands of requests.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("no answer in time", "TimeoutError")),
      Math.max(1, timeoutMs),
    );
    const { signal } = controller;
    const slow = setTimeout(
      () => this.options.onWait?.(`waiting for GitLab: ${request.method} ${shownPath}`),
      SLOW_AFTER_MS,
    );
    try {
      let url = new URL(this.connection.baseUrl + request.path);
      let method = request.method;
      let body = request.body;
      for (let hop = 0; ; hop++) {
        const answer = await fetch(url, {
          method,
          redirect: "manual",
          headers: {
            ...authHeaders(this.connection),
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

  /**
   * Waits for GitLab's first answer unless there has been one; the first request of all gets
   * instead the function that ends that wait once it has its answer (or has failed).
   */
  private async awaitFirstAnswer(): Promise<(() => void) | undefined> {
    if (this.answered) return undefined;
    if (this.firstAnswer) {
      await this.firstAnswer.promise;
      return undefined;
    }
    const first = (this.firstAnswer = deferred());
    return () => {
      this.answered = true;
      first.resolve();
    };
  }

  /**
   * Takes one request from the budget GitLab advertised, waiting for its window to reset when it is
   * spent. A new window starts with the advertised limit until GitLab's answers say otherwise.
   */
  private async paceForRateLimit(request: HttpRequest, path: string): Promise<void> {
    for (;;) {
      const budget = this.rateBudget;
      if (!budget) return;
      if (budget.remaining > 0) {
        budget.remaining--;
        return;
      }
      const now = Date.now();
      if (now >= budget.resetAt) {
        // A new window, whose end only GitLab's next answer will tell.
        this.rateBudget = {
          limit: budget.limit,
          remaining: budget.limit - 1,
          resetAt: now + 60_000,
          after: budget.resetAt,
        };
        return;
      }
      const delay = budget.resetAt - now + 50;
      if (budget.after !== undefined) {
        // This window's end is a guess until GitLab answers the requests already sent in it.
        this.options.onWait?.(`waiting for GitLab's rate limit before ${request.method} ${path}`);
        await this.budgetNews(delay);
        continue;
      }
      this.options.onWait?.(
        `waiting ${Math.round(delay / 100) / 10}s for GitLab's rate limit before ${request.method} ${path}`,
      );
      await this.sleep(delay);
    }
  }

  /**
   * Settles when an answer next changes what EnvSync knows of the budget, or after `ms` at most.
   * The timer is a real one, cleared on news: an injected sleep that returns at once would spin
   * here without letting the answer in, and a timer left behind would hold the process open.
   */
  private async budgetNews(ms: number): Promise<void> {
    this.news ??= deferred();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.news.promise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  private adoptBudget(budget: RateBudget): void {
    this.rateBudget = budget;
    this.news?.resolve();
    this.news = undefined;
  }

  /** What the answer to request number `seq` says of the budget, kept when it is news. */
  private noteRateLimit(headers: Headers, seq: number): void {
    const remaining = Number(headers.get("ratelimit-remaining"));
    const reset = Number(headers.get("ratelimit-reset"));
    const limit = Number(headers.get("ratelimit-limit"));
    if (!headers.has("ratelimit-remaining") || ![remaining, reset, limit].every(Number.isFinite))
      return;
    const resetAt = reset * 1000;
    // GitLab counted up to this request; the ones sent after it may not be in its count yet.
    const left = Math.max(0, remaining - (this.sent - seq));
    const current = this.rateBudget;
    if (current) {
      if (current.after !== undefined) {
        // A window started here: a late answer from the one before says nothing of it.
        if (resetAt <= current.after) return;
        this.adoptBudget({ remaining: Math.min(left, current.remaining), resetAt, limit });
        return;
      }
      // Answers arrive out of order: an older window's is stale, and within one window the
      // lowest count is the truest.
      if (resetAt < current.resetAt) return;
      if (resetAt === current.resetAt && current.remaining <= left) return;
    }
    this.adoptBudget({ remaining: left, resetAt, limit });
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

  private toError(
    method: string,
    path: string,
    response: HttpResponse,
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
