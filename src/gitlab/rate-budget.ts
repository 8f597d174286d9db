/**
 * GitLab's rate-limit budget, as its `RateLimit-*` headers tell it, counted down locally between
 * its answers: one budget for REST and GraphQL, since GitLab counts them together per user. A
 * request takes one from it before it is sent, and waits for the window to reset when it is spent.
 * Until GitLab's first answer nothing says what the budget is, so the first request goes alone.
 */

import { GitLabError } from "./errors.js";

/**
 * The longest EnvSync waits for a rate-limit window to reset (GitLab's windows are a minute). A
 * reset further away (an hour, ten days) is refused at once, with when it is: a run that sleeps for
 * days is a hung run, and a wait past setTimeout's 2^31-1 ms would fire at once and spin.
 */
export const MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;

/** setTimeout's largest delay; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface Window {
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

export interface RateBudgetOptions {
  /** Injected so tests can move time; defaults to Date.now. */
  now?: () => number;
  sleep: (ms: number) => Promise<void>;
  /** A line for people while a request waits for the window to reset. */
  onWait?: (line: string) => void;
}

export class RateBudget {
  private window: Window | undefined;
  /** Requests sent so far, numbering each: an answer's count misses those sent after it. */
  private sent = 0;
  /** Settled by the next answer that changes the budget (see news). */
  private nextNews: Deferred | undefined;
  private firstAnswer: Deferred | undefined;
  private answered = false;
  private readonly now: () => number;

  constructor(private readonly options: RateBudgetOptions) {
    this.now = options.now ?? Date.now;
  }

  /** What the budget is now, for people and tests: undefined until GitLab has said. */
  get current(): Readonly<Window> | undefined {
    return this.window;
  }

  /**
   * Waits for GitLab's first answer unless there has been one; the first request of all gets
   * instead the function that ends that wait once it has its answer (or has failed).
   */
  async awaitFirstAnswer(): Promise<(() => void) | undefined> {
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
   * Takes one request from the budget, waiting for its window to reset when it is spent, and
   * returns the request's number for `note`. A new window starts with the advertised limit until
   * GitLab's answers say otherwise.
   */
  async take(what: string): Promise<number> {
    for (;;) {
      const window = this.window;
      if (!window) break;
      if (window.remaining > 0) {
        window.remaining--;
        break;
      }
      const now = this.now();
      if (now >= window.resetAt) {
        // A new window, whose end only GitLab's next answer will tell.
        this.window = {
          limit: window.limit,
          remaining: window.limit - 1,
          resetAt: now + 60_000,
          after: window.resetAt,
        };
        break;
      }
      const delay = window.resetAt - now + 50;
      if (delay > MAX_RATE_LIMIT_WAIT_MS) throw tooLongAWait(what, window.resetAt, delay);
      if (window.after !== undefined) {
        // This window's end is a guess until GitLab answers the requests already sent in it.
        this.options.onWait?.(`waiting for GitLab's rate limit before ${what}`);
        await this.news(delay);
        continue;
      }
      this.options.onWait?.(
        `waiting ${Math.round(delay / 100) / 10}s for GitLab's rate limit before ${what}`,
      );
      await this.options.sleep(delay);
    }
    return ++this.sent;
  }

  /** What the answer to request number `seq` says of the budget, kept when it is news. */
  note(headers: Headers, seq: number): void {
    const remaining = Number(headers.get("ratelimit-remaining"));
    const reset = Number(headers.get("ratelimit-reset"));
    const limit = Number(headers.get("ratelimit-limit"));
    if (!headers.has("ratelimit-remaining") || ![remaining, reset, limit].every(Number.isFinite))
      return;
    const resetAt = reset * 1000;
    // GitLab counted up to this request; the ones sent after it may not be in its count yet.
    const left = Math.max(0, remaining - (this.sent - seq));
    const current = this.window;
    if (current) {
      if (current.after !== undefined) {
        // A window started here: a late answer from the one before says nothing of it.
        if (resetAt <= current.after) return;
        this.adopt({ remaining: Math.min(left, current.remaining), resetAt, limit });
        return;
      }
      // Answers arrive out of order: an older window's is stale, and within one window the
      // lowest count is the truest.
      if (resetAt < current.resetAt) return;
      if (resetAt === current.resetAt && current.remaining <= left) return;
    }
    this.adopt({ remaining: left, resetAt, limit });
  }

  private adopt(window: Window): void {
    this.window = window;
    this.nextNews?.resolve();
    this.nextNews = undefined;
  }

  /**
   * Settles when an answer next changes what EnvSync knows of the budget, or after `ms` at most.
   * The timer is a real one, cleared on news: an injected sleep that returns at once would spin
   * here without letting the answer in, and a timer left behind would hold the process open.
   */
  private async news(ms: number): Promise<void> {
    this.nextNews ??= deferred();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.nextNews.promise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(ms, MAX_TIMER_MS)))),
    ]);
    clearTimeout(timer);
  }
}

function tooLongAWait(what: string, resetAt: number, delay: number): GitLabError {
  const [method = "GET", path = ""] = what.split(" ", 2);
  const when = Number.isFinite(new Date(resetAt).getTime())
    ? ` (${new Date(resetAt).toISOString()})`
    : "";
  return new GitLabError(
    `GitLab's rate limit resets in ${duration(delay)}${when}, past the ${duration(MAX_RATE_LIMIT_WAIT_MS)} EnvSync waits`,
    {
      status: 429,
      method,
      path,
      hint: "run the command again after the reset, or ask the GitLab administrators about the limit",
    },
  );
}

function duration(ms: number): string {
  if (ms >= 366 * 86_400_000) return "over a year";
  if (ms >= 2 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`;
  if (ms >= 2 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
