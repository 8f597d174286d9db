// Cherry-pick against a hostile or careless repository: its regenerate command never runs in a dry
// run, never sees a token, shows what it printed; an interrupted run leaves nothing behind.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distCli, envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";

const TOKEN = "glpat-never-for-repository-commands";

function config(command: string): string {
  const file = join(tempDir(), "envsync.yaml");
  writeFileSync(
    file,
    `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging }
conflicts:
  auto_resolve:
    - paths: ["package-lock.json"]
      strategy: regenerate
      command: ${JSON.stringify(command)}
`,
  );
  return file;
}

/** develop and staging both changed package-lock.json: picking develop's change conflicts. */
function conflictingLockfile(): { repo: TestRepo; change: string } {
  const repo = new TestRepo();
  repo.commit("base", { "package-lock.json": "lock v1\n" });
  repo.git("branch", "staging");
  const change = repo.commit("Bump deps", { "package-lock.json": "lock v2 (dev)\n" });
  repo.checkout("staging");
  repo.commit("Staging bump", { "package-lock.json": "lock v1 (staging)\n" });
  repo.checkout("develop");
  return { repo, change };
}

const leftovers = (repo: TestRepo) => ({
  worktrees: repo.git("worktree", "list", "--porcelain").split("\n\n").filter(Boolean).length,
  branches: repo.git("branch", "--list", "envsync/*"),
});

describe("repository commands in cherry-pick", () => {
  it("never runs the regenerate command in --dry-run, and says so", async () => {
    const { repo, change } = conflictingLockfile();
    const marker = join(tempDir(), "ran");
    const file = config(`touch ${marker}`);
    const result = await envsyncIn(
      {},
      ...[
        "cherry-pick",
        change,
        "--to",
        "staging",
        "-c",
        file,
        "-C",
        repo.dir,
        "--dry-run",
        "--json",
      ],
    );
    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(JSON.parse(result.out).picked[0].tier1[0]).toMatchObject({
      strategy: "regenerate",
      not_run: "dry run",
    });
  });

  it("runs it without any token in its environment, and shows what it printed", async () => {
    const { repo, change } = conflictingLockfile();
    const dump = join(tempDir(), "env");
    const file = config(
      `env > ${dump}; echo regenerated lockfile; echo lock v3 > package-lock.json`,
    );
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: TOKEN, CI_JOB_TOKEN: TOKEN, MY_SECRET: TOKEN }) },
      ...["cherry-pick", change, "--to", "staging", "-c", file, "-C", repo.dir],
    );
    expect(result.code).toBe(0);
    expect(readFileSync(dump, "utf8")).not.toContain(TOKEN);
    expect(readFileSync(dump, "utf8")).toContain("PATH=");
    expect(result.out).toContain("| regenerated lockfile");
  });

  it("gives it only an allowlist of variables: no secret-shaped one reaches it or its output", async () => {
    const { repo, change } = conflictingLockfile();
    const file = config(`env; echo lock v3 > package-lock.json`);
    const secrets = {
      DOCKER_AUTH_CONFIG: '{"auths":{"registry.example.com":{"auth":"c2VjcmV0LWRvY2tlcg=="}}}',
      DATABASE_URL: "postgres://app:db-password-value@db.example.com/app",
      CI_JOB_JWT_V2: "eyJhbGciOiJSUzI1NiJ9.jwt-of-the-job",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLEKEYID0001",
      AWS_SECRET_ACCESS_KEY: "aws-secret-access-key-value",
      OPENAI_API_KEY: "sk-openai-key-value-0001",
      ANTHROPIC_API_KEY: "sk-ant-key-value-0001",
      GOOGLE_APPLICATION_CREDENTIALS: "/secrets/gcp-service-account.json",
      npm_config__authToken: "npm-auth-token-value",
      HTTPS_PROXY: "http://proxyuser:proxy-password-value@proxy.example.com:3128",
      CI_REGISTRY_PASSWORD: "registry-password-value",
      GITLAB_TOKEN: TOKEN,
    };
    const result = await envsyncIn(
      { env: testEnv({ ...secrets, LANG: "C.UTF-8", LC_ALL: "C" }) },
      ...["cherry-pick", change, "--to", "staging", "-c", file, "-C", repo.dir, "--json"],
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out).picked[0].tier1[0].command_output as string;
    for (const [name, value] of Object.entries(secrets)) {
      expect(printed).not.toContain(`${name}=`);
      expect(result.out + result.err).not.toContain(value);
    }
    // What a build needs is there.
    expect(printed).toMatch(/^PATH=/m);
    expect(printed).toMatch(/^HOME=/m);
    expect(printed).toContain("LANG=C.UTF-8");
  });

  it("stops when the command configures git (a filter, an fsmonitor), before git runs it", async () => {
    const { repo, change } = conflictingLockfile();
    const ran = join(tempDir(), "filter-ran");
    const file = config(
      `git config filter.steal.clean "touch ${ran}; cat" && echo "* filter=steal" > .gitattributes && echo lock v3 > package-lock.json`,
    );
    const before = leftovers(repo);
    const result = await envsyncIn(
      {},
      ...["cherry-pick", change, "--to", "staging", "-c", file, "-C", repo.dir, "--json"],
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error.code).toBe("config-changed");
    expect(existsSync(ran)).toBe(false);
    expect(leftovers(repo)).toEqual(before);
  });

  it("cleans up after SIGTERM mid-run: no worktree, no branch, and a rerun works", async () => {
    const { repo, change } = conflictingLockfile();
    const go = join(tempDir(), "go");
    const file = config(`test -f ${go} || sleep 30; echo lock v3 > package-lock.json`);
    const before = leftovers(repo);
    const child = spawn(
      process.execPath,
      [distCli, "cherry-pick", change, "--to", "staging", "-c", file, "-C", repo.dir],
      { env: testEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Wait until the pick is under way in its worktree, then interrupt.
    const deadline = Date.now() + 15_000;
    while (leftovers(repo).worktrees === before.worktrees && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted");
    expect(leftovers(repo)).toEqual(before);
    writeFileSync(go, "");
    const rerun = await envsyncIn(
      {},
      ...["cherry-pick", change, "--to", "staging", "-c", file, "-C", repo.dir, "--json"],
    );
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.out)).toMatchObject({ status: "picked" });
  });
});

describe("envsync validate", () => {
  it("lists the commands a config makes EnvSync run", async () => {
    const file = config("npm install --package-lock-only");
    const result = await envsyncIn({}, "validate", "-c", file, "--json");
    expect(JSON.parse(result.out).commands).toEqual([
      {
        rule: "conflicts.auto_resolve[0]",
        paths: ["package-lock.json"],
        command: "npm install --package-lock-only",
      },
    ]);
    const text = await envsyncIn({}, "validate", "-c", file);
    expect(text.out).toContain(
      "conflicts.auto_resolve[0] (package-lock.json): npm install --package-lock-only",
    );
  });
});
