import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkoutDir, envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";
import { envsyncVersion } from "../../src/version.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true }
catalog:
  group: acme
  project: acme/envsync-flows
`;
const DOCTOR = `$CI_SERVER_FQDN/envsync/envsync/pipeline-doctor@${envsyncVersion()}`;
const DRIFT = `$CI_SERVER_FQDN/envsync/envsync/drift-check@${envsyncVersion()}`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

/** A checkout with envsync.yaml and built flows, and a GitLab where publish has run. */
async function published(options: StandinOptions) {
  const gl = (standin = await new GitLabStandin(options).start());
  gl.state.addProject("acme/shop");
  gl.state.addProject("acme/envsync-flows");
  gl.state.addGroup("acme");
  const dir = checkoutDir();
  const config = join(dir, "envsync.yaml");
  writeFileSync(config, YAML);
  expect((await envsyncIn({}, "build", "-c", config, "-o", join(dir, "flows"))).code).toBe(0);
  const env = testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url });
  const publish = await envsyncIn(
    { env },
    "publish",
    "-c",
    config,
    "--dir",
    join(dir, "flows"),
    "--json",
  );
  expect(publish.code).toBe(0);
  return { gl, dir, config, env, report: publish.out };
}

const includes = (dir: string) => readFileSync(join(dir, ".gitlab-ci.yml"), "utf8");

describe("envsync ci writes only the bridges GitLab's triggers do not replace", () => {
  it("reads GitLab's triggers: on the newer GitLab, --write drops the pipeline doctor's include it added", async () => {
    const { dir, config, env } = await published({});
    // Before: both bridges, added by an earlier `ci --write` without a token.
    expect((await envsyncIn({}, "ci", "-c", config, "-C", dir, "--write")).code).toBe(0);
    expect(includes(dir)).toContain(DOCTOR);

    const dry = await envsyncIn({ env }, "ci", "-c", config, "-C", dir, "--dry-run", "--json");
    const plan = JSON.parse(dry.out) as {
      bridges: { needed: string[]; source: string };
      removed: string[];
    };
    expect(plan.bridges).toMatchObject({ needed: ["drift-check"], source: "gitlab" });
    expect(plan.removed).toEqual([DOCTOR]);
    expect(includes(dir)).toContain(DOCTOR); // a dry run writes nothing

    const write = await envsyncIn({ env }, "ci", "-c", config, "-C", dir, "--write");
    expect(write.code).toBe(0);
    expect(write.out).toContain(`Removed ${DOCTOR}`);
    expect(includes(dir)).not.toContain("pipeline-doctor");
    expect(includes(dir)).toContain(DRIFT);
    const again = await envsyncIn({ env }, "ci", "-c", config, "-C", dir, "--write", "--json");
    expect(JSON.parse(again.out)).toMatchObject({ added: [], removed: [], written: false });
  });

  it("keeps a working bridge where GitLab 18.9 may not run the trigger (its flag is off by default)", async () => {
    const { dir, config, env } = await published({ visibility: false });
    const write = await envsyncIn({ env }, "ci", "-c", config, "-C", dir, "--write", "--json");
    const result = JSON.parse(write.out) as {
      bridges: { needed: string[]; reasons: Record<string, string> };
    };
    expect(result.bridges.needed).toEqual(["pipeline-doctor", "drift-check"]);
    expect(result.bridges.reasons["pipeline-doctor"]).toMatch(/feature flag/);
    expect(includes(dir)).toContain(DOCTOR);
  });

  it("without a token, reads a saved publish report", async () => {
    const { dir, config, report } = await published({});
    const file = join(tempDir(), "publish.json");
    writeFileSync(file, report);
    const result = await envsyncIn(
      {},
      "ci",
      "-c",
      config,
      "-C",
      dir,
      "--write",
      "--publish-report",
      file,
    );
    expect(result.code).toBe(0);
    expect(includes(dir)).not.toContain("pipeline-doctor");
    expect(includes(dir)).toContain(DRIFT);
    writeFileSync(file, "{}");
    const bad = await envsyncIn({}, "ci", "-c", config, "--publish-report", file);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("is not the output of `envsync publish --json`");
  });
});

describe("who starts the pipelines GitLab's triggers react to", () => {
  it("publish and ci --check warn about a bot-owned schedule and a bot's pipeline on an environment branch", async () => {
    const { gl, dir, config, env } = await published({});
    const shop = gl.state.project("acme/shop")!;
    const bot = { id: 88, username: "project_7_bot_3f2a" };
    gl.state.schedules.push({
      projectId: shop.id,
      id: 5,
      description: "EnvSync drift check",
      ref: "main",
      cron: "0 6 * * 1-5",
      active: true,
      owner: bot,
    });
    gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "success",
      user: { ...bot, bot: true },
    });
    gl.pipelineStatus("acme/shop", {
      ref: "main",
      status: "success",
      user: { id: 1, username: "ada" },
    });

    const publish = await envsyncIn(
      { env },
      "publish",
      "-c",
      config,
      "--dir",
      join(dir, "flows"),
      "--json",
    );
    expect(publish.code).toBe(0);
    const initiators = (
      JSON.parse(publish.out) as { initiators: { what: string; owner: string }[] }
    ).initiators;
    expect(initiators.map((w) => [w.what, w.owner])).toEqual([
      ["pipeline schedule 5 (EnvSync drift check)", "project_7_bot_3f2a"],
      [expect.stringMatching(/^the last pipeline on staging/), "project_7_bot_3f2a"],
    ]);
    expect(publish.err).toContain("GitLab starts no flow for a bot");

    const check = await envsyncIn({ env }, "ci", "-c", config, "-C", dir, "--check");
    expect(check.code).toBe(3);
    expect(check.out).toMatch(
      /warning: acme\/shop: pipeline schedule 5 .* is started by the bot project_7_bot_3f2a/,
    );
  });
});
