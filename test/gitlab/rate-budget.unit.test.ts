import { describe, expect, it } from "vitest";
import { RateBudget } from "../../src/gitlab/rate-budget.js";

/** A budget on a clock the test moves; sleeping moves it by the time asked. */
function budgetOnClock(start = 1_000_000) {
  const clock = { now: start };
  const slept: number[] = [];
  const waits: string[] = [];
  const budget = new RateBudget({
    now: () => clock.now,
    sleep: (ms) => {
      slept.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
    onWait: (line) => waits.push(line),
  });
  return { budget, clock, slept, waits };
}

/** GitLab's RateLimit-* headers: `resetAt` in ms since the epoch, as GitLab sends seconds. */
const said = (remaining: number, resetAt: number, limit = 10) =>
  new Headers({
    "ratelimit-remaining": String(remaining),
    "ratelimit-reset": String(resetAt / 1000),
    "ratelimit-limit": String(limit),
  });

describe("RateBudget", () => {
  it.each([
    ["an hour", 3_600_000, /resets in 60 min/],
    ["ten days", 10 * 86_400_000, /resets in 10 days \(\d{4}-\d\d-\d\dT/],
    ["thirty days (past setTimeout's 2^31-1 ms)", 30 * 86_400_000, /resets in 30 days/],
    ["the end of time", 1e300, /resets in over a year, past the 15 min EnvSync waits/],
  ])(
    "refuses to wait for a reset %s away, with when it is, instead of sleeping or spinning",
    async (_, away, message) => {
      const { budget, clock, slept } = budgetOnClock();
      budget.note(said(0, clock.now + away), await budget.take("GET /first"));
      const refused = budget.take("GET /projects/1/repository/compare");
      await expect(refused).rejects.toMatchObject({
        code: "gitlab-rate-limited",
        message: expect.stringMatching(message),
        path: "/projects/1/repository/compare",
      });
      expect(slept).toEqual([]);
    },
  );

  it("still waits for a reset within the bound", async () => {
    const { budget, clock, slept } = budgetOnClock();
    budget.note(said(0, clock.now + 10 * 60_000), await budget.take("GET /first"));
    await budget.take("GET /a");
    expect(slept).toEqual([600_050]);
  });

  it("lets requests through without waiting until GitLab has said what the budget is", async () => {
    const { budget, slept } = budgetOnClock();
    expect([await budget.take("GET /a"), await budget.take("GET /b")]).toEqual([1, 2]);
    expect(budget.current).toBeUndefined();
    expect(slept).toEqual([]);
  });

  it("sends the first request alone: the others wait for its answer", async () => {
    const { budget } = budgetOnClock();
    const first = await budget.awaitFirstAnswer();
    expect(first).toBeTypeOf("function");
    let secondStarted = false;
    const second = budget.awaitFirstAnswer().then(() => (secondStarted = true));
    await Promise.resolve();
    expect(secondStarted).toBe(false);
    first!();
    await second;
    expect(secondStarted).toBe(true);
    expect(await budget.awaitFirstAnswer()).toBeUndefined();
  });

  it("spends what GitLab advertised, then waits for the window to reset", async () => {
    const { budget, clock, slept, waits } = budgetOnClock();
    const resetAt = clock.now + 5_000;
    budget.note(said(2, resetAt), await budget.take("GET /first"));
    await budget.take("GET /a");
    await budget.take("GET /b");
    expect(slept).toEqual([]);
    await budget.take("GET /c");
    // Until the reset, plus a margin for clocks that differ.
    expect(slept).toEqual([5_050]);
    expect(waits).toEqual(["waiting 5.1s for GitLab's rate limit before GET /c"]);
    // The window GitLab will open: the advertised limit, less this request.
    expect(budget.current).toMatchObject({ remaining: 9, limit: 10, after: resetAt });
  });

  it("lowers an answer's count by the requests sent after it", async () => {
    const { budget, clock } = budgetOnClock();
    const first = await budget.take("GET /1");
    await budget.take("GET /2");
    await budget.take("GET /3");
    // GitLab counted up to request 1; requests 2 and 3 may not be in its count.
    budget.note(said(5, clock.now + 60_000), first);
    expect(budget.current?.remaining).toBe(3);
  });

  it("ignores a late answer from an older window, and a higher count within the same one", async () => {
    const { budget, clock } = budgetOnClock();
    const resetAt = clock.now + 60_000;
    budget.note(said(4, resetAt), await budget.take("GET /1"));
    // Each request takes one locally: 4 left, then 3 once /2 is sent.
    budget.note(said(8, resetAt - 60_000), await budget.take("GET /2"));
    expect(budget.current).toMatchObject({ resetAt, remaining: 3 });
    budget.note(said(6, resetAt), await budget.take("GET /3"));
    expect(budget.current?.remaining).toBe(2);
    budget.note(said(0, resetAt), await budget.take("GET /4"));
    expect(budget.current?.remaining).toBe(0);
  });

  it("in a window it started itself, waits for GitLab's next answer instead of its guess", async () => {
    const { budget, clock, slept, waits } = budgetOnClock();
    const firstReset = clock.now + 1_000;
    budget.note(said(0, firstReset, 2), await budget.take("GET /1"));
    clock.now = firstReset + 1;
    // The old window has ended: a new one starts here with the limit, its end a guess.
    const second = await budget.take("GET /2");
    await budget.take("GET /3");
    expect(budget.current).toMatchObject({ remaining: 0, after: firstReset });
    let fourth = false;
    const waiting = budget.take("GET /4").then(() => (fourth = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourth).toBe(false);
    expect(waits).toEqual(["waiting for GitLab's rate limit before GET /4"]);
    // A late answer from the window before says nothing of this one.
    budget.note(said(5, firstReset, 2), 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourth).toBe(false);
    // GitLab's answer for the new window tells its real end: the wait is until then, not the
    // 60 s guessed.
    budget.note(said(1, clock.now + 2_000, 2), second);
    await waiting;
    expect(fourth).toBe(true);
    expect(slept).toEqual([2_050]);
  });

  it("ignores answers without the headers, or with values that are not numbers", async () => {
    const { budget } = budgetOnClock();
    budget.note(new Headers(), await budget.take("GET /1"));
    budget.note(
      new Headers({
        "ratelimit-remaining": "many",
        "ratelimit-reset": "1",
        "ratelimit-limit": "1",
      }),
      await budget.take("GET /2"),
    );
    expect(budget.current).toBeUndefined();
  });
});
