import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { envsync, envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin } from "../standin/server.js";
import { TestRepo } from "../helpers/repo.js";
import { envsyncVersion } from "../../src/version.js";

// Bad input on every command that has not got a test of its own: a clear message, the documented
// exit code, no stack trace, and nothing written.
const NO_PROJECT =
  "version: 1\nenvironments:\n  staging: { branch: staging }\n  production: { branch: main, protected: true }\n";

describe("bad input across commands", () => {
  const cases: [string, (dir: string, repo: TestRepo) => string[], number, RegExp][] = [
    [
      "status without a project",
      (d) => ["status", "-c", join(d, "c.yaml")],
      2,
      /status needs the project: set `project` in envsync.yaml/,
    ],
    [
      "doctor without a project",
      (d) => ["doctor", "-c", join(d, "c.yaml"), "--pipeline", "5"],
      2,
      /doctor needs the project/,
    ],
    [
      "doctor with a pipeline id that is not a number",
      (d) => ["doctor", "-c", join(d, "c.yaml"), "--pipeline", "abc"],
      2,
      /option '--pipeline <id>' argument 'abc' is invalid. It takes a whole number of 1 or more/,
    ],
    [
      "status with --concurrency 0",
      (d) => ["status", "-c", join(d, "c.yaml"), "--concurrency", "0"],
      2,
      /option '--concurrency <n>' argument '0' is invalid. It takes a whole number of 1 or more/,
    ],
    [
      "cherry-pick to an unknown environment",
      (d, r) => ["cherry-pick", "HEAD", "--to", "prod", "-c", join(d, "c.yaml"), "-C", r.dir],
      2,
      /'prod' is not an environment in the config[\s\S]*did you mean 'production'\?/,
    ],
    [
      "cherry-pick of something that is not a commit",
      (d, r) => [
        "cherry-pick",
        "nosuchref",
        "--to",
        "staging",
        "-c",
        join(d, "c.yaml"),
        "-C",
        r.dir,
      ],
      1,
      /'nosuchref' is not a commit in this repository/,
    ],
    [
      "cherry-pick with --auto-merge and no --mr",
      (d, r) => [
        "cherry-pick",
        "HEAD",
        "--to",
        "staging",
        "--auto-merge",
        "-c",
        join(d, "c.yaml"),
        "-C",
        r.dir,
      ],
      2,
      /--auto-merge sets the pick's merge request to merge: it needs --mr[\s\S]*hint: add --mr/,
    ],
    [
      "cherry-pick of a merge request and a commit together",
      (d, r) => [
        "cherry-pick",
        "!12",
        "HEAD",
        "--to",
        "staging",
        "-c",
        join(d, "c.yaml"),
        "-C",
        r.dir,
      ],
      2,
      /pick one merge request \(!IID\) alone, or commits by SHA/,
    ],
    [
      "cherry-pick without --to",
      (d, r) => ["cherry-pick", "HEAD", "-c", join(d, "c.yaml"), "-C", r.dir],
      2,
      /required option '--to <env>' not specified/,
    ],
    [
      "notify with an unknown --via",
      (d) => ["notify", "pipeline-failure", "--via", "carrier-pigeon", "-c", join(d, "c.yaml")],
      2,
      /option '--via <how>' argument 'carrier-pigeon' is invalid. Allowed choices are api, mention/,
    ],
    [
      "notify with a bad --all-branches",
      (d) => ["notify", "pipeline-failure", "--all-branches", "maybe", "-c", join(d, "c.yaml")],
      2,
      /argument 'maybe' is invalid. It takes true or false/,
    ],
    [
      "rollback-check with --to and --to-deployment",
      (d, r) => [
        "rollback-check",
        "--env",
        "production",
        "--to",
        "HEAD",
        "--to-deployment",
        "3",
        "-c",
        join(d, "c.yaml"),
        "-C",
        r.dir,
      ],
      2,
      /option '--to <sha>' cannot be used with option '--to-deployment <id>'/,
    ],
  ];

  it.each(cases)("%s", async (_name, args, code, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.yaml"), NO_PROJECT);
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    repo.git("branch", "staging");
    const before = repo.git("for-each-ref", "--format=%(refname)");
    const result = await envsync(...args(dir, repo));
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(repo.git("for-each-ref", "--format=%(refname)")).toBe(before);
  });

  it("with --json, a failure also prints its code on stdout, and the message on stderr", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.yaml"), NO_PROJECT);
    const result = await envsync("status", "-c", join(dir, "c.yaml"), "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toEqual({
      error: {
        code: "project-unknown",
        message: expect.stringContaining("status needs the project") as string,
      },
    });
    expect(result.err).toContain("status needs the project");
  });

  it.each([
    [["drift", "--local", "--api", "--json"], /cannot be used with option '--api'/],
    [["status", "--concurrency", "0", "--json"], /It takes a whole number of 1 or more/],
    [["drift", "--no-such-flag", "--json"], /unknown option '--no-such-flag'/],
  ])(
    "with --json, a usage error commander finds is JSON on stdout too: %j",
    async (args, message) => {
      const result = await envsync(...args);
      expect(result.code).toBe(2);
      const { error } = JSON.parse(result.out) as { error: { code: string; message: string } };
      expect(error.code).toBe("usage");
      expect(error.message).toMatch(message);
      expect(error.message).not.toMatch(/^error:/);
      expect(result.err).toMatch(message);
    },
  );

  it.each(["publish --version 1.0.0", "drift -V", "notify --version"])(
    "takes an option after a command as that command's: `%s` is a usage error, not the version",
    async (command) => {
      const result = await envsync(...command.split(" "));
      expect(result.code).toBe(2);
      expect(result.out).not.toContain(envsyncVersion());
      expect(result.err).toMatch(/unknown option '(--version|-V)'/);
      expect(result.err).toContain("hint: `envsync --version` prints EnvSync's version");
      expect((await envsync("--version")).out).toBe(`${envsyncVersion()}\n`);
    },
  );

  it("says where an option given before its command goes (envsync -C DIR drift)", async () => {
    const early = await envsync("-C", tempDir(), "drift", "--json");
    expect(early.code).toBe(2);
    expect(JSON.parse(early.out)).toMatchObject({ error: { code: "usage" } });
    expect(early.err).toContain("hint: options come after the command: `envsync drift -C …`");
    const unknown = await envsync("--bogus", "drift");
    expect(unknown.code).toBe(2);
    expect(unknown.err).not.toContain("options come after");
  });

  it("speaks of -C in -c's help only where the command takes -C", async () => {
    const config = (help: string) => help.split("\n").find((l) => l.includes("--config <file>"));
    expect(config((await envsync("drift", "--help")).out)).toContain("with -C DIR");
    expect(config((await envsync("validate", "--help")).out)).not.toContain("-C");
  });

  it("reads DIR/envsync.yaml with -C DIR and no -c, as git -C would", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    repo.git("branch", "main");
    repo.commit("own config", {
      "envsync.yaml":
        "version: 1\nenvironments:\n  dev: { branch: develop }\n  prod: { branch: main }\n",
    });
    const result = await envsync("drift", "-C", repo.dir, "--local", "--json");
    expect(result.code).toBe(0);
    const pairs = (JSON.parse(result.out) as { pairs: { from: string; to: string }[] }).pairs;
    expect(pairs.map((p) => `${p.from}->${p.to}`)).toEqual(["dev->prod"]);
  });

  it.each([
    ["drift"],
    ["rollback-check", "--env", "production"],
    ["cherry-pick", "HEAD", "--to", "staging"],
    ["promote", "staging", "production", "--dry-run"],
    ["dashboard", "--dry-run"],
    ["ci", "--write"],
    ["init", "--dry-run"],
  ])(
    "%s with -C naming no directory says so (exit 2), before looking for a file in it",
    async (...args) => {
      const missing = join(tempDir(), "nope");
      const result = await envsync(...args, "-C", missing, "--json");
      expect(result.code).toBe(2);
      expect(JSON.parse(result.out)).toMatchObject({
        error: { code: "directory-missing", message: `${missing} does not exist` },
      });
    },
  );

  it.each([
    ["drift", "--json"],
    ["rollback-check", "--env", "production", "--to", "HEAD", "--json"],
    ["rollback", "--env", "production", "--to", "HEAD", "--dry-run", "--json"],
    ["cherry-pick", "HEAD", "--to", "staging", "--json"],
    ["promote", "staging", "production", "--dry-run", "--json"],
    ["ci", "--write", "--json"],
  ])("%s outside a git checkout says so with the way out, not git's message", async (...args) => {
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), NO_PROJECT);
    const result = await envsync(...args, "-C", dir);
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.out) as { error: { code: string; hint: string } };
    expect(error.code).toBe("not-a-checkout");
    expect(error.hint).toMatch(/-C DIR/);
    expect(result.err).not.toContain("fatal:");
    expect(readdirSync(dir)).toEqual(["envsync.yaml"]);
  });

  it.each([
    ["rollback-check", "--env", "production", "--to", "HEAD"],
    ["rollback", "--env", "production", "--to", "HEAD", "--confirm", "production"],
    ["promote", "staging", "production", "--local", "--confirm", "production"],
  ])("%s outside a git checkout fails before GitLab is asked", async (...args) => {
    const standin = await new GitLabStandin().start();
    onTestFinished(() => standin.stop());
    standin.state.addProject("acme/shop");
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), `project: acme/shop\n${NO_PROJECT}`);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
      ...[...args, "-C", dir, "--json"],
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "not-a-checkout" } });
    expect(standin.log).toHaveLength(0);
  });

  it("init outside a git checkout says so too", async () => {
    const dir = tempDir();
    const result = await envsync("init", "--dry-run", "-C", dir, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "not-a-checkout" } });
  });

  it("refuses an empty deploy job name with its position", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(
      file,
      'version: 1\nenvironments:\n  dev: { branch: develop, deploy_jobs: [""] }\n  prod: { branch: main }\n',
    );
    const result = await envsync("validate", "-c", file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/envsync\.yaml:3:\d+: .*\(at environments\.dev\.deploy_jobs\[0\]\)/);
  });

  it("points a missing envsync.yaml at envsync init", async () => {
    const result = await envsync("validate", "-c", join(tempDir(), "envsync.yaml"));
    expect(result.code).toBe(1);
    expect(result.err).toContain("`envsync init` writes one from your branches");
  });

  it("with --json, an unknown environment is reported with its code and hint", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.yaml"), NO_PROJECT);
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    const args = ["cherry-pick", "HEAD", "--to", "prod", "-c", join(dir, "c.yaml")];
    const result = await envsync(...args, "-C", repo.dir, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({
      error: { code: "unknown-environment", hint: "did you mean 'production'?" },
    });
  });
});
