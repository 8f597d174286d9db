// A GitLab (or something answering as one) that misbehaves: redirects elsewhere, echoes the token,
// answers too much, in the wrong shape, or never. The token stays home, nothing reaches output
// raw, and every case ends in a clear error within the deadline.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv, type TestContext } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

const TOKEN = "glpat-Secret-Token-1234567890";
const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

let standin: GitLabStandin | undefined;
let other: Server | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
  other?.closeAllConnections();
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  other = undefined;
});

async function gitlab(): Promise<GitLabStandin> {
  standin = await new GitLabStandin({ token: TOKEN }).start();
  attachRepositoryRoutes(standin);
  const repo = new TestRepo();
  repo.commit("base", { "a.txt": "a\n" });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  standin.state.repositories.set(standin.state.addProject("acme/shop").id, repo.dir);
  return standin;
}

/** Another origin on this machine that records what it is sent. */
async function elsewhere(): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  other = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => other!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(other.address() as AddressInfo).port}`, seen };
}

async function drift(gl: GitLabStandin, context: TestContext = {}, ...flags: string[]) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
  return envsyncIn(
    {
      env: testEnv({ GITLAB_TOKEN: TOKEN, GITLAB_URL: gl.url }),
      http: { sleep: () => Promise.resolve() },
      ...context,
    },
    ...["drift", "-c", config, "-C", tempDir(), "--api", ...flags],
  );
}

const COMPARE = /\/repository\/compare$/;

describe("a GitLab that misbehaves", () => {
  it.each([302, 307])("never sends the token to another origin on a %i", async (status) => {
    const gl = await gitlab();
    const thief = await elsewhere();
    gl.fail({ path: COMPARE, respond: { status, headers: { location: `${thief.url}/steal` } } });
    const result = await drift(gl);
    expect(result.code).toBe(1);
    expect(result.err).toContain("redirected to another origin");
    expect(thief.seen).toEqual([]);
  });

  it("follows a redirect within GitLab's own origin", async () => {
    const gl = await gitlab();
    const path = "/api/v4/projects/acme%2Fshop/repository/compare?from=main&to=staging";
    gl.fail({ path: COMPARE, respond: { status: 301, headers: { location: path } } });
    const result = await drift(gl, {}, "--json");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
  });

  it("never prints a token a server echoes, raw or escaped, in a header or a body, in text or JSON", async () => {
    const gl = await gitlab();
    const escaped = [...TOKEN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    gl.fail({
      path: COMPARE,
      times: 4,
      respond: {
        status: 404,
        headers: { "x-request-id": TOKEN },
        body: `{"message": "no such ref for ${escaped.join("")}"}`,
      },
    });
    for (const flags of [[], ["--json"]]) {
      const result = await drift(gl, {}, ...flags);
      expect(result.code).toBe(1);
      expect(result.err).toContain("[REDACTED]");
      expect(result.out + result.err).not.toContain(TOKEN);
      expect(result.out + result.err).not.toContain(escaped.slice(0, 6).join(""));
    }
  });

  it("never prints a password given in the GitLab URL, and never sends it", async () => {
    const gl = await gitlab();
    const url = gl.url.replace("http://", "http://admin:hunter2-password@");
    gl.fail({ path: COMPARE, respond: { status: 500, body: { message: `down at ${url}` } } });
    const result = await drift(gl, {
      env: testEnv({ GITLAB_TOKEN: TOKEN, GITLAB_URL: url }),
      http: { sleep: () => Promise.resolve(), policy: { retries: 0 } },
    });
    expect(result.code).toBe(1);
    expect(result.out + result.err).not.toContain("hunter2-password");
  });

  it("refuses an answer larger than it reads, instead of reading it whole", async () => {
    const gl = await gitlab();
    gl.fail({ path: COMPARE, respond: { status: 200, body: "x".repeat(65 * 1024 * 1024) } });
    const result = await drift(gl);
    expect(result.code).toBe(1);
    expect(result.err).toContain("the answer is larger than 64 MiB");
  });

  it("says what was unexpected in an answer of the wrong shape, not 'a bug in envsync'", async () => {
    const gl = await gitlab();
    gl.fail({ path: COMPARE, respond: { status: 200, body: { commits: "none" } } });
    const result = await drift(gl);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/unexpected answer at commits/);
    expect(result.err).not.toContain("bug in envsync");
  });

  it("reads an HTML page labelled JSON as an unreadable answer, with its code, not a bug", async () => {
    const gl = await gitlab();
    const page = "<!DOCTYPE html><html><body>Sign in</body></html>";
    gl.fail({ path: COMPARE, respond: { status: 200, body: page } });
    const result = await drift(gl, {}, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error.code).toBe("gitlab-answer-invalid");
    expect(result.err).toContain("the answer is not JSON (an HTML page");
    expect(result.err).toMatch(/GitLab GET \/api\/v4\/projects\/[^ ]+\/compare/);
    expect(result.err).not.toContain("bug in envsync");
  });

  it.each([
    [
      "a field of the wrong type",
      { data: { p0: { webUrl: 5 } } },
      /unexpected answer at p0\.webUrl/,
    ],
    ["an envelope that is not an object", "null", /unexpected answer: /],
    ["errors that are not messages", { errors: [{ message: { a: 1 } }] }, /at errors\.0\.message/],
    [
      "a link path that leaves the instance",
      {
        data: {
          p0: {
            webUrl: "http://127.0.0.1/acme/shop",
            repository: {
              h0: {
                lastCommit: {
                  ...{ sha: "a", title: "t", committedDate: "2026-01-01T00:00:00Z" },
                  webPath: "//evil.example/x",
                },
              },
              h1: null,
            },
            ...{ l0: null, l1: null, d0: null, d1: null },
          },
        },
      },
      /at p0\.repository\.h0\.lastCommit\.webPath: expected a path starting with one \//,
    ],
    [
      "a web URL that is not http",
      { data: { p0: { webUrl: "javascript:alert(1)", repository: null } } },
      /at p0\.webUrl/,
    ],
  ])(
    "checks GraphQL answers: %s is a clear error naming the request",
    async (_what, body, message) => {
      const gl = await gitlab();
      gl.fail({ operation: "EnvsyncStatus", respond: { status: 200, body } });
      const config = join(tempDir(), "envsync.yaml");
      writeFileSync(config, YAML);
      const result = await envsyncIn(
        { env: testEnv({ GITLAB_TOKEN: TOKEN, GITLAB_URL: gl.url }) },
        ...["status", "-c", config, "--json"],
      );
      expect(result.code).toBe(1);
      const report = JSON.parse(result.out) as { projects: { error?: string }[] };
      expect(report.projects[0]!.error).toMatch(message);
      expect(report.projects[0]!.error).toContain("POST /api/graphql (EnvsyncStatus)");
      expect(result.err).not.toContain("bug in envsync");
      expect(result.err).not.toMatch(/\n\s+at /);
    },
  );

  it("gives up on a server that never answers within the deadline, saying so while it waits", async () => {
    const gl = await gitlab();
    gl.fail({ path: COMPARE, times: 100, respond: "hang" });
    const started = Date.now();
    const result = await drift(gl, {
      http: { policy: { timeoutMs: 200, deadlineMs: 1000, baseDelayMs: 100 } },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/retrying GET .*compare in [\d.]+s \(no answer within 0\.2s/);
    expect(result.err).toMatch(/no answer within 0\.2s/);
  });
});
