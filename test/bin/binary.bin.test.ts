// The built binary in a child process: what only a real process shows (exit codes set by the
// entry point, stdout and stderr kept apart, the executable bit, the default config path). The
// global setup of this tier builds dist/ first; everything else runs the CLI in-process.
import { copyFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { distCli, repoRoot, spawnEnvsync, tempDir, testEnv } from "../helpers/cli.js";
import { CONFIG_3ENV, TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const MINIMAL = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true }
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

describe("the one-file runtime", () => {
  it("runs the engine alone, and says the compiler needs the package instead of crashing", async () => {
    const dir = tempDir();
    const runtime = join(dir, "envsync.mjs");
    copyFileSync(join(repoRoot, "dist", "envsync-runtime.mjs"), runtime);
    writeFileSync(join(dir, "envsync.yaml"), MINIMAL);
    const node = { command: process.execPath, env: testEnv() };
    const validate = await spawnEnvsync([runtime, "validate"], { ...node, cwd: dir });
    expect(validate.code).toBe(0);
    const build = await spawnEnvsync([runtime, "build", "--json"], { ...node, cwd: dir });
    expect(build.code).toBe(1);
    expect(JSON.parse(build.out)).toMatchObject({ error: { code: "templates-missing" } });
    const text = await spawnEnvsync([runtime, "build"], { ...node, cwd: dir });
    expect(text.err).toContain("the one-file runtime runs the engine, not the compiler");
    expect(text.err).not.toContain("a bug in");
  });
});

describe("the installed binary", () => {
  it("is executable, so `npx envsync` runs it", () => {
    expect(statSync(distCli).mode & 0o111).not.toBe(0);
  });

  it("prints file:line:column, the key path and a hint for a bad config, exit 1", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(file, MINIMAL.replace("protected: true", "protectd: true"));
    const result = await spawnEnvsync(["validate", "-c", file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toContain(
      `${file}:5:31: unknown key 'protectd' (at environments.production.protectd)\n` +
        "  hint: did you mean 'protected'?",
    );
    expect(result.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reads ./envsync.yaml by default", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), MINIMAL);
    const result = await spawnEnvsync(["validate"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out).toContain("envsync.yaml: valid");
  });

  it("names a branch that does not exist, with the fetch to run, exit 1", async () => {
    const repo = new TestRepo();
    repo.commit("base");
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, CONFIG_3ENV);
    const result = await spawnEnvsync(["drift", "-c", config, "-C", repo.dir]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("branch 'staging' is neither origin/staging nor a local branch");
    expect(result.err).toContain("hint: fetch it first: git fetch origin staging:staging");
  });

  it("with --json, prints the failure's code on stdout and the message on stderr, exit 2", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(file, MINIMAL);
    const result = await spawnEnvsync(["rollback-check", "-c", file, "--env", "prod", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "unknown-environment" } });
    expect(result.err).toContain("'prod' is not an environment in the config");
  });

  it("reports a rejected token in one line, exit 1, and never prints the token", async () => {
    standin = await new GitLabStandin().start();
    const secret = "glpat-wrong-token-0123456789";
    standin.fail({
      method: "GET",
      path: /^\/api\/v4\/projects\//,
      respond: { status: 401, body: { message: `401 Unauthorized: token ${secret} is invalid` } },
    });
    const config = join(repoRoot, "examples", "envsync.yaml");
    const result = await spawnEnvsync(["publish", "-c", config, "--dir", join(repoRoot, "flows")], {
      env: testEnv({ GITLAB_TOKEN: secret, GITLAB_URL: standin.url }),
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain("the token was rejected (401 Unauthorized)");
    expect(result.err).toContain(
      "hint: GITLAB_TOKEN must be a valid, unexpired access token with the 'api' scope",
    );
    expect(result.err + result.out).not.toContain(secret);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it("publish --dry-run without a token prints the plan from flows/ on stdout and why, exit 3", async () => {
    const config = join(repoRoot, "examples", "envsync.yaml");
    const args = ["publish", "-c", config, "--dir", join(repoRoot, "flows"), "--dry-run"];
    const env = testEnv({ GITLAB_URL: "https://gitlab.acme.example" });
    const text = await spawnEnvsync(args, { env });
    expect(text.code).toBe(3);
    expect(text.err).toBe("");
    expect(text.out).toMatch(/^envsync-core\s+flow\s+not compared\s+4 not compared\s+-$/m);
    expect(text.out).toContain("not compared with the catalog: no GitLab token: set GITLAB_TOKEN");
    const data = await spawnEnvsync([...args, "--json"], { env });
    expect(data.code).toBe(3);
    expect(JSON.parse(data.out)).toMatchObject({
      compared: false,
      reason: { code: "gitlab-no-token" },
    });
    // Without --dry-run, a token is required.
    const real = await spawnEnvsync(args.slice(0, -1), { env });
    expect(real.code).toBe(1);
    expect(real.out).toBe("");
    expect(real.err).toContain("error: no GitLab token: set GITLAB_TOKEN");
  });

  it("takes publish's catalog version as --release, which cannot collide with --version", async () => {
    standin = await new GitLabStandin().start();
    const config = join(repoRoot, "examples", "envsync.yaml");
    const env = testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url });
    const args = ["publish", "-c", config, "--dir", join(repoRoot, "flows"), "--dry-run"];
    // The catalog project is absent, so a publish that really ran fails asking GitLab for it.
    const release = await spawnEnvsync([...args, "--release", "1.0.0"], { env });
    expect(release.code).toBe(1);
    expect(standin.log.length).toBeGreaterThan(0);
    expect((await spawnEnvsync(["publish", "--help"])).out).toContain("--release <x.y.z>");
  });
});
