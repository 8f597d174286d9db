import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { checkoutDir as checkout, envsync, repoRoot } from "../helpers/cli.js";
import { envsyncVersion } from "../../src/version.js";

const CONFIG = join(repoRoot, "examples", "envsync.yaml");

describe("envsync ci", () => {
  it("prints the includes, the variable and the schedule for the config", async () => {
    const result = await envsync("ci", "-c", CONFIG, "--json");
    const setup = JSON.parse(result.out);
    expect(setup.includes.map((i: { component: string }) => i.component)).toEqual([
      `$CI_SERVER_FQDN/envsync/envsync/pipeline-doctor@${envsyncVersion()}`,
      `$CI_SERVER_FQDN/envsync/envsync/drift-check@${envsyncVersion()}`,
    ]);
    expect(setup.schedule).toEqual({
      description: "EnvSync drift check",
      cron: "0 6 * * 1-5",
      target_branch: "main",
    });
    expect(setup.variables[0]).toMatchObject({ name: "ENVSYNC_GITLAB_TOKEN", masked: true });
    const text = await envsync("ci", "-c", CONFIG);
    expect(text.out).toContain(
      "include:\n  - component: $CI_SERVER_FQDN/envsync/envsync/pipeline-doctor@",
    );
    expect(text.out).toContain("interval: 0 6 * * 1-5");
  });

  it("--write adds the includes without disturbing the file, and only once", async () => {
    const dir = checkout();
    const file = join(dir, ".gitlab-ci.yml");
    const original =
      "# our pipeline\ninclude: local/lint.yml\n\nstages: [build, test]\n\nbuild:\n  stage: build # compile\n  script: [make]\n";
    writeFileSync(file, original);
    const first = await envsync("ci", "-c", CONFIG, "-C", dir, "--write");
    expect(first.out).toContain("Added 2 includes");
    const text = readFileSync(file, "utf8");
    expect(text).toContain("# our pipeline");
    expect(text).toContain("stage: build # compile");
    const parsed = parse(text);
    expect(parsed.include[0]).toBe("local/lint.yml");
    expect(
      parsed.include.slice(1).map((i: { component: string }) => i.component.replace(/@.*/, "")),
    ).toEqual([
      "$CI_SERVER_FQDN/envsync/envsync/pipeline-doctor",
      "$CI_SERVER_FQDN/envsync/envsync/drift-check",
    ]);
    expect(parsed.build).toEqual({ stage: "build", script: ["make"] });
    const second = await envsync("ci", "-c", CONFIG, "-C", dir, "--write");
    expect(second.out).toContain("already includes both components");
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("with triggers.drift_check commit, gives the drift check the branches whose commits run it", async () => {
    const dir = checkout();
    const config = join(dir, "envsync.yaml");
    writeFileSync(
      config,
      "version: 1\nenvironments:\n  dev: { branch: develop }\n" +
        "  staging: { branch: release/2.1 }\n  production: { branch: main }\n" +
        "triggers:\n  drift_check: [schedule, commit]\n",
    );
    const setup = JSON.parse((await envsync("ci", "-c", config, "-C", dir, "--json")).out);
    const drift = setup.includes.find((i: { component: string }) =>
      i.component.includes("/drift-check@"),
    );
    // Escaped for the regex literal of the job's rule: `/^(develop|release\/2\.1|main)$/`.
    expect(drift.inputs).toEqual({ commit_branches: "develop|release\\/2\\.1|main" });
    const rule = new RegExp(`^(${drift.inputs.commit_branches as string})$`);
    expect(["develop", "release/2.1", "main"].every((b) => rule.test(b))).toBe(true);
    expect(["release/201", "feature", "mainline"].some((b) => rule.test(b))).toBe(false);

    // An include added before commit was declared gains the input once; the rest stays.
    const file = join(dir, ".gitlab-ci.yml");
    writeFileSync(
      file,
      "include:\n  - component: $CI_SERVER_FQDN/envsync/envsync/drift-check@0.0.9\n" +
        "    inputs:\n      stage: checks\n",
    );
    expect((await envsync("ci", "-c", config, "-C", dir, "--write")).code).toBe(0);
    const text = readFileSync(file, "utf8");
    const included = parse(text).include as { component: string; inputs: object }[];
    expect(included[0]).toEqual({
      component: "$CI_SERVER_FQDN/envsync/envsync/drift-check@0.0.9",
      inputs: { stage: "checks", commit_branches: "develop|release\\/2\\.1|main" },
    });
    await envsync("ci", "-c", config, "-C", dir, "--write");
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("--write keeps a CRLF file's line ends and its top comment", async () => {
    const dir = checkout();
    const file = join(dir, ".gitlab-ci.yml");
    writeFileSync(file, "# our pipeline\r\nstages: [build]\r\n\r\nbuild:\r\n  script: [make]\r\n");
    expect((await envsync("ci", "-c", CONFIG, "-C", dir, "--write")).code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("# our pipeline\r\ninclude:\r\n")).toBe(true);
    expect(text.endsWith("stages: [build]\r\n\r\nbuild:\r\n  script: [make]\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("--write creates the file when there is none, and refuses one that does not parse", async () => {
    const dir = checkout();
    await envsync("ci", "-c", CONFIG, "-C", dir, "--write");
    expect(parse(readFileSync(join(dir, ".gitlab-ci.yml"), "utf8")).include).toHaveLength(2);
    const broken = checkout();
    writeFileSync(join(broken, ".gitlab-ci.yml"), "stages: [a\n");
    const result = await envsync("ci", "-c", CONFIG, "-C", broken, "--write");
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /\.gitlab-ci\.yml: does not parse at line 2, column 1: .*; nothing was changed/,
    );
    expect(readFileSync(join(broken, ".gitlab-ci.yml"), "utf8")).toBe("stages: [a\n");
  });
});

describe("envsync ci --write --dry-run", () => {
  it("writes nothing, shows the diff, and --write then changes only the lines it owns", async () => {
    const dir = checkout();
    const ci = "stages: [test, deploy]\n\ntest:\n  stage: test\n  script: [make test]\n";
    writeFileSync(join(dir, ".gitlab-ci.yml"), ci);
    const dry = await envsync("ci", "-c", CONFIG, "-C", dir, "--write", "--dry-run");
    expect(dry.code).toBe(0);
    expect(readFileSync(join(dir, ".gitlab-ci.yml"), "utf8")).toBe(ci);
    expect(existsSync(join(dir, ".gitlab", "duo"))).toBe(false);
    expect(dry.out).toContain(`+++ ${join(dir, ".gitlab-ci.yml")}`);
    expect(dry.out).toMatch(/^\+include:/m);
    await envsync("ci", "-c", CONFIG, "-C", dir, "--write");
    const written = readFileSync(join(dir, ".gitlab-ci.yml"), "utf8");
    // Its own lines added; the user's flow list kept as written.
    expect(written).toContain("stages: [test, deploy]");
    expect(written).toContain("test:\n  stage: test\n  script: [make test]\n");
  });
});

describe("envsync ci and the flows' runtime", () => {
  it("--write commits EnvSync as one file beside agent-config.yml, and says when it is stale", async () => {
    const dir = checkout();
    const config = join(repoRoot, "examples", "envsync.yaml");
    const written = await envsync("ci", "-c", config, "-C", dir, "--write", "--json");
    expect(written.code).toBe(0);
    const runtime = join(dir, ".gitlab", "duo", "envsync.mjs");
    const text = readFileSync(runtime, "utf8");
    expect(text).toContain(`// envsync runtime ${envsyncVersion()}:`);
    expect(Buffer.byteLength(text)).toBeLessThan(2 * 1024 * 1024);
    expect(readFileSync(join(dir, ".gitlab", "duo", "agent-config.yml"), "utf8")).toContain(
      "then install -m 0755 .gitlab/duo/envsync.mjs /usr/local/bin/envsync;",
    );
    expect(JSON.parse(written.out).runtime).toMatchObject({ stale: true, written: true });
    // A second run changes nothing.
    const again = await envsync("ci", "-c", config, "-C", dir, "--write", "--json");
    expect(JSON.parse(again.out).runtime).toMatchObject({ stale: false, written: false });
    // An older committed runtime is stale, said without --write, and left as it is.
    writeFileSync(runtime, "#!/usr/bin/env node\n// envsync runtime 0.0.1: old\n");
    const stale = await envsync("ci", "-c", config, "-C", dir, "--json");
    expect(stale.err).toContain(
      `is envsync@0.0.1, but the flows are compiled for ${envsyncVersion()}`,
    );
    expect(JSON.parse(stale.out).runtime).toMatchObject({ committed: "0.0.1", stale: true });
    expect(readFileSync(runtime, "utf8")).toContain("0.0.1");
  });

  it("--runtime registry installs from the npm registry instead, and warns when it installs another version", async () => {
    const dir = checkout();
    const config = join(repoRoot, "examples", "envsync.yaml");
    const written = await envsync(
      ...["ci", "-c", config, "-C", dir, "--write", "--runtime", "registry", "--json"],
    );
    expect(written.code).toBe(0);
    const file = join(dir, ".gitlab", "duo", "agent-config.yml");
    expect(readFileSync(file, "utf8")).toContain(`envsync@${envsyncVersion()}`);
    expect(JSON.parse(written.out).agent_config).toMatchObject({ written: true });
    expect(existsSync(join(dir, ".gitlab", "duo", "envsync.mjs"))).toBe(false);

    mkdirSync(join(dir, "other", ".gitlab", "duo"), { recursive: true });
    const old = join(dir, "other", ".gitlab", "duo", "agent-config.yml");
    writeFileSync(old, "setup_script:\n  - npm install -g envsync@0.0.1\n");
    const warned = await envsync(
      ...["ci", "-c", config, "-C", join(dir, "other"), "--runtime", "registry", "--json"],
    );
    expect(warned.err).toContain(
      `installs envsync@0.0.1, but the flows are compiled for ${envsyncVersion()}`,
    );
    expect(JSON.parse(warned.out).agent_config.installs).toBe("0.0.1");
    expect(readFileSync(old, "utf8")).toContain("envsync@0.0.1");
  });
});

describe("envsync ci: a runtime file it cannot edit", () => {
  it("says where agent-config.yml does not parse, exit 1, and writes neither file", async () => {
    const dir = checkout();
    mkdirSync(join(dir, ".gitlab", "duo"), { recursive: true });
    const file = join(dir, ".gitlab", "duo", "agent-config.yml");
    writeFileSync(file, "image: [node\n");
    const result = await envsync("ci", "-c", CONFIG, "-C", dir, "--write");
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/agent-config\.yml: does not parse at line \d+, column \d+/);
    expect(result.err).toContain("nothing was changed");
    expect(readFileSync(file, "utf8")).toBe("image: [node\n");
    expect(() => readFileSync(join(dir, ".gitlab-ci.yml"))).toThrow();
  });
});

describe("envsync ci -C DIR", () => {
  it("names the config to the components relative to the repository, as a job checks it out", async () => {
    const repo = checkout();
    mkdirSync(join(repo, "deploy"));
    writeFileSync(join(repo, "deploy", "envsync.yaml"), readFileSync(CONFIG, "utf8"));
    // Run from elsewhere: the path given is relative to here, the input to the repository.
    const result = await envsync(
      ...["ci", "-C", repo, "-c", join(repo, "deploy", "envsync.yaml"), "--json"],
    );
    const setup = JSON.parse(result.out) as { includes: { inputs?: { config: string } }[] };
    expect(setup.includes.map((i) => i.inputs)).toEqual([
      { config: "deploy/envsync.yaml" },
      { config: "deploy/envsync.yaml" },
    ]);
    writeFileSync(join(repo, "envsync.yaml"), readFileSync(CONFIG, "utf8"));
    const atRoot = JSON.parse((await envsync("ci", "-C", repo, "--json")).out) as {
      includes: { inputs?: unknown }[];
    };
    expect(atRoot.includes.map((i) => i.inputs)).toEqual([undefined, undefined]);
  });

  it("says a config outside the repository is not what jobs read", async () => {
    const repo = checkout();
    const result = await envsync("ci", "-C", repo, "-c", CONFIG, "--json");
    expect(result.err).toContain("is outside the repository");
    const setup = JSON.parse(result.out) as { includes: { inputs?: unknown }[] };
    expect(setup.includes.map((i) => i.inputs)).toEqual([undefined, undefined]);
  });
});
