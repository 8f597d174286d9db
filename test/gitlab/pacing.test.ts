// The HTTP client's pacing against a server that scripts its RateLimit-* answers: when a window
// ends, EnvSync starts the next one itself with its end unknown, and the requests it cannot send
// yet wait for GitLab's next answer, not for a guess, and leave nothing running behind them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GitLabHttp } from "../../src/gitlab/http.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A GitLab allowing `limit` requests per one-second window, answering each after 20 ms. */
async function limitedGitLab(limit: number): Promise<{ url: string; refused: () => number }> {
  let window = { start: 0, used: 0 };
  let refused = 0;
  server = createServer((req, res) => {
    const now = Date.now();
    if (now - window.start >= 1000) window = { start: now, used: 0 };
    const over = window.used >= limit;
    if (over) refused++;
    else window.used++;
    const headers = {
      "content-type": "application/json",
      "ratelimit-limit": String(limit),
      "ratelimit-remaining": String(Math.max(0, limit - window.used)),
      "ratelimit-reset": String(Math.ceil((window.start + 1000) / 1000)),
      ...(over ? { "retry-after": "1" } : {}),
    };
    setTimeout(() => res.writeHead(over ? 429 : 200, headers).end("{}"), 20);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
  };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("pacing across rate-limit windows", () => {
  it("sends none over the limit, and a wait ended by GitLab's answer leaves no timer behind", async () => {
    const gitlab = await limitedGitLab(2);
    const waits: string[] = [];
    const http = new GitLabHttp(
      { baseUrl: gitlab.url, token: "glpat-pacing-test", tokenKind: "access_token" },
      { maxConcurrent: 8, onWait: (line) => waits.push(line) },
    );
    const before = timers();
    const answers = await Promise.all(
      Array.from({ length: 7 }, (_, i) => http.send({ method: "GET", path: `/api/v4/r${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(7).fill(200));
    expect(gitlab.refused()).toBe(0);
    // Windows EnvSync started itself, whose end only GitLab's next answer told. Which request
    // waits there depends on when answers arrive (a loaded machine reorders them); that one does.
    expect(waits).toContainEqual(
      expect.stringMatching(/^waiting for GitLab's rate limit before GET \/api\/v4\/r\d$/),
    );
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
