// What the HTTP client does when the network fails before GitLab can answer: a host name that
// does not resolve fails at once (no retry mends it), a resolver that asks to try again and a
// connection refused are retried like any network error. DNS failures come from an injected
// fetch, so these run the same with no network at all.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { GitLabError } from "../../src/gitlab/errors.js";
import { GitLabHttp, type HttpOptions } from "../../src/gitlab/http.js";
import { failingLookup } from "../helpers/dns.js";

const TOKEN = "glpat-network-test-token";

function client(baseUrl: string, options: HttpOptions = {}) {
  const sleeps: number[] = [];
  const waits: string[] = [];
  const http = new GitLabHttp(
    { baseUrl, token: TOKEN, tokenKind: "access_token" },
    {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      onWait: (line) => waits.push(line),
      ...options,
    },
  );
  return { http, sleeps, waits };
}

async function failure(http: GitLabHttp, method = "GET"): Promise<GitLabError> {
  const error = await http.send({ method, path: "/api/v4/projects/1" }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitLabError);
  return error as GitLabError;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a GitLab the network cannot reach", () => {
  it("fails at once on a host name that does not resolve (ENOTFOUND), naming the host", async () => {
    const dns = failingLookup("ENOTFOUND");
    const { http, sleeps, waits } = client("https://gitlab.acme.example", { fetch: dns.fetch });
    const error = await failure(http);
    expect(dns.lookups).toEqual(["gitlab.acme.example"]);
    expect(http.requestCount).toBe(1);
    expect(sleeps).toEqual([]);
    expect(waits).toEqual([]);
    expect(error.code).toBe("gitlab-unreachable");
    expect(error.message).toBe(
      "cannot reach https://gitlab.acme.example: gitlab.acme.example does not resolve (ENOTFOUND)",
    );
    expect(error.hint).toBe(
      "check GITLAB_URL (without it, the origin remote's host) for a typo; a name only a VPN resolves needs the VPN",
    );
  });

  it("fails at once on a non-recoverable resolver failure (EAI_FAIL)", async () => {
    const dns = failingLookup("EAI_FAIL");
    const { http } = client("https://gitlab.acme.example", { fetch: dns.fetch });
    expect((await failure(http)).message).toContain("does not resolve (EAI_FAIL)");
    expect(dns.lookups).toHaveLength(1);
  });

  it("retries a read when the resolver says to try again (EAI_AGAIN), as for other network errors", async () => {
    const dns = failingLookup("EAI_AGAIN");
    const { http, sleeps, waits } = client("https://gitlab.acme.example", { fetch: dns.fetch });
    const error = await failure(http);
    expect(dns.lookups).toHaveLength(5);
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(waits[0]).toBe(
      "retrying GET /api/v4/projects/1 in 0.5s (cannot reach https://gitlab.acme.example (EAI_AGAIN), attempt 1)",
    );
    expect(error.message).toBe("cannot reach https://gitlab.acme.example (EAI_AGAIN)");
    expect(error.hint).toBe("check GITLAB_URL and the network");
  });

  it("retries a read on a refused connection, and never a write", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const read = client(url, { policy: { retries: 2 } });
    const error = await failure(read.http);
    expect(read.http.requestCount).toBe(3);
    expect(read.sleeps).toEqual([500, 1000]);
    expect(error.message).toBe(`cannot reach ${url} (ECONNREFUSED)`);

    const write = client(url, { policy: { retries: 2 } });
    await failure(write.http, "POST");
    expect(write.http.requestCount).toBe(1);
  });

  it("does not retry an unresolvable host for a write either, and keeps the token out", async () => {
    const dns = failingLookup("ENOTFOUND");
    const { http } = client("https://gitlab.acme.example", { fetch: dns.fetch });
    const error = await failure(http, "POST");
    expect(dns.lookups).toHaveLength(1);
    expect(`${error.message} ${error.hint}`).not.toContain(TOKEN);
  });
});
