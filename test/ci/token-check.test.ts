// `envsync ci --check` asks GitLab (the stand-in, which refuses each kind of token where GitLab
// does) what the token is, and says what each command the flows run can do with it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

async function check(env: Record<string, string>) {
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
  const result = await envsyncIn(
    { env: testEnv(env) },
    ...["ci", "-c", config, "-C", tempDir(), "--check", "--json"],
  );
  const report = JSON.parse(result.out) as {
    token: { kind: string; scopes: string[] };
    commands: { command: string; verdict: string; detail: string }[];
  };
  const verdict = Object.fromEntries(report.commands.map((c) => [c.command, c.verdict]));
  return { code: result.code, report, verdict, requests: standin!.log.map((r) => r.path) };
}

describe("envsync ci --check", () => {
  it("finds every command runs fully with a person's api token", async () => {
    standin = await new GitLabStandin().start();
    const { code, report, verdict } = await check({
      GITLAB_TOKEN: standin.token,
      GITLAB_URL: standin.url,
    });
    expect(code).toBe(0);
    expect(report.token).toMatchObject({ kind: "person", scopes: ["api"] });
    expect(new Set(Object.values(verdict))).toEqual(new Set(["full"]));
  });

  it("tells a Duo flow job's token by its scopes, and what it can do only partly or not", async () => {
    standin = await new GitLabStandin({
      token: "oauth-of-the-flow-job",
      tokenKind: "oauth",
    }).start();
    const { code, report, verdict } = await check({
      GITLAB_TOKEN: "oauth-of-the-flow-job",
      GITLAB_BASE_URL: standin.url,
    });
    expect(code).toBe(3);
    expect(report.token).toEqual({ kind: "flow-job", scopes: ["ai_workflows", "mcp"] });
    expect(verdict).toMatchObject({
      drift: "full",
      doctor: "full",
      "rollback-check": "partly",
      rollback: "partly",
      promote: "partly",
      "notify pipeline-failure": "no",
    });
  });

  it("says GitLab starts no flow for a project token's bot", async () => {
    standin = await new GitLabStandin().start();
    standin.addToken({ value: "bot", kind: "bot", scopes: ["api"] });
    const { code, report, verdict } = await check({ GITLAB_TOKEN: "bot", GITLAB_URL: standin.url });
    expect(code).toBe(3);
    expect(report.token.kind).toBe("bot");
    expect(verdict["notify pipeline-failure"]).toBe("no");
    expect(verdict.drift).toBe("full");
  });

  it("without any token says so, exit 1, and asks nothing", async () => {
    standin = await new GitLabStandin().start();
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_URL: standin.url }) },
      ...["ci", "-c", config, "-C", tempDir(), "--check", "--json"],
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error.code).toBe("gitlab-no-token");
    expect(standin.log).toEqual([]);
  });

  it("knows a CI job token without asking, and what little it reads", async () => {
    standin = await new GitLabStandin({ token: "job", tokenKind: "job" }).start();
    const { code, report, verdict, requests } = await check({
      CI_JOB_TOKEN: "job",
      CI_SERVER_URL: standin.url,
    });
    expect(code).toBe(3);
    expect(report.token.kind).toBe("job");
    expect(verdict).toMatchObject({
      drift: "partly",
      "rollback-check": "partly",
      status: "no",
      doctor: "no",
    });
    expect(requests).toEqual([]);
  });
});
