/**
 * The pipeline doctor started by GitLab's own pipeline trigger, end to end on the stand-in:
 * `envsync publish` sets the trigger up, the stand-in fires it as GitLab does, and each flow run's
 * first step (`envsync doctor --screen`, with the pipeline id from the event's JSON, as the flow's
 * screen step reads it) decides whether a diagnosis follows.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true }
catalog:
  group: acme
  project: acme/envsync-flows
`;
const FLOW_TOKEN = "flow-job-oauth-token-1234";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

/** A GitLab where `envsync publish` has run for acme/shop; returns the config's path. */
async function published(options: StandinOptions): Promise<{ gl: GitLabStandin; config: string }> {
  const gl = (standin = await new GitLabStandin(options).start());
  gl.state.addProject("acme/shop");
  gl.state.addProject("acme/envsync-flows");
  gl.state.addGroup("acme");
  gl.addToken({ value: FLOW_TOKEN, kind: "oauth", scopes: ["ai_workflows", "mcp"] });
  const dir = tempDir();
  const config = join(dir, "envsync.yaml");
  writeFileSync(config, YAML);
  expect((await envsyncIn({}, "build", "-c", config, "-o", join(dir, "flows"))).code).toBe(0);
  const env = testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url });
  const publish = await envsyncIn({ env }, "publish", "-c", config, "--dir", join(dir, "flows"));
  expect(publish.code).toBe(0);
  return { gl, config };
}

/** What each doctor run GitLab started decides: its first step, with the flow job's token. */
async function screens(gl: GitLabStandin, config: string, token = FLOW_TOKEN) {
  const decisions: { pipeline: number; decision: string; reason: string; environment?: string }[] =
    [];
  for (const start of gl.state.flowStarts.filter((s) => s.itemName === "envsync-pipeline-doctor")) {
    const event = JSON.parse(start.goal) as {
      object_attributes: { id: number; status: string };
    };
    const id = event.object_attributes.id;
    const result = await envsyncIn(
      {
        env: testEnv({ GITLAB_TOKEN: token, GITLAB_URL: gl.url, GITLAB_PROJECT_PATH: "acme/shop" }),
      },
      "doctor",
      "--screen",
      "--pipeline",
      String(id),
      "--event-status",
      event.object_attributes.status,
      "--json",
      "-c",
      config,
    );
    const screen = JSON.parse(result.out) as {
      decision: string;
      reason: string;
      environment?: string;
    };
    expect(result.code).toBe(screen.decision === "diagnose" ? 0 : 3);
    // The compiled flow routes on `environment` (to rollback.auto's step), so it is kept.
    decisions.push({
      pipeline: id,
      decision: screen.decision,
      reason: screen.reason,
      ...(screen.environment === undefined ? {} : { environment: screen.environment }),
    });
  }
  return decisions;
}

const diagnosed = (d: { decision: string }[]) => d.filter((x) => x.decision === "diagnose");
const human = { id: 1, username: "ada" };

describe("the pipeline doctor started by GitLab's pipeline trigger", () => {
  it("18.9 (no filter, flag on): every status change starts it, and only the failure on staging is diagnosed", async () => {
    const { gl, config } = await published({ visibility: false, pipelineHooks: true });
    const failing = gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "created",
      user: human,
    });
    gl.pipelineStatus("acme/shop", { id: failing.id, ref: "staging", status: "running" });
    gl.pipelineStatus("acme/shop", { id: failing.id, ref: "staging", status: "failed" });
    const green = gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "running",
      user: human,
    });
    gl.pipelineStatus("acme/shop", { id: green.id, ref: "staging", status: "success" });
    gl.pipelineStatus("acme/shop", { ref: "feature/x", status: "failed", user: human });
    const decisions = await screens(gl, config);
    expect(decisions).toHaveLength(6); // GitLab started the flow on each change
    expect(diagnosed(decisions)).toEqual([
      {
        pipeline: failing.id,
        decision: "diagnose",
        reason: expect.stringMatching(/failed on staging/),
        environment: "staging",
      },
    ]);
    expect(decisions.map((d) => d.reason)).toContain(
      `the event is pipeline ${green.id} becoming success, not failed`,
    );
    expect(decisions.map((d) => d.reason)).toContain("feature/x is not an environment branch");
  });

  it("newer GitLab filters: only the failure on staging starts it at all", async () => {
    const { gl, config } = await published({});
    const failing = gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "running",
      user: human,
    });
    gl.pipelineStatus("acme/shop", { id: failing.id, ref: "staging", status: "failed" });
    gl.pipelineStatus("acme/shop", { ref: "staging", status: "success", user: human });
    gl.pipelineStatus("acme/shop", { ref: "feature/x", status: "failed", user: human });
    const decisions = await screens(gl, config);
    expect(decisions.map((d) => [d.pipeline, d.decision])).toEqual([[failing.id, "diagnose"]]);
  });

  it("a pipeline its CI bridge already reported, or one already diagnosed, is not diagnosed again", async () => {
    const { gl, config } = await published({ visibility: false, pipelineHooks: true });
    const shop = gl.state.project("acme/shop")!;
    const bridged = gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "running",
      user: human,
    });
    gl.state.jobs.push({
      projectId: shop.id,
      id: gl.state.id(),
      pipelineId: bridged.id,
      name: "envsync-pipeline-doctor",
      stage: ".post",
      status: "success",
      log: "",
    });
    gl.pipelineStatus("acme/shop", { id: bridged.id, ref: "staging", status: "failed" });
    expect(diagnosed(await screens(gl, config))).toEqual([]);

    // A run whose token reads /user (a person's) finds its own earlier diagnosis by its marker.
    gl.state.flowStarts.length = 0;
    const twice = gl.pipelineStatus("acme/shop", { ref: "staging", status: "failed", user: human });
    const issue = {
      projectId: shop.id,
      id: gl.state.id(),
      iid: 1,
      title: "EnvSync environment health",
      description: "health\n\n<!-- envsync:dashboard -->",
      state: "opened",
      author: human,
    };
    gl.state.issues.push(issue);
    expect(diagnosed(await screens(gl, config, gl.token))).toHaveLength(1);
    gl.state.notes.push({
      projectId: shop.id,
      kind: "issues",
      iid: 1,
      id: gl.state.id(),
      body: `**EnvSync pipeline doctor**: code\n\n<!-- envsync:pipeline-failure:${twice.id} -->`,
      created_at: "2026-11-24T15:00:00Z",
      author: human,
    });
    const again = await screens(gl, config, gl.token);
    expect(again.map((d) => d.reason)).toEqual([`pipeline ${twice.id} was already diagnosed`]);
  });

  it("18.9 without the flag (GitLab's default) starts nothing, and publish keeps the CI bridge", async () => {
    const { gl } = await published({ visibility: false });
    gl.pipelineStatus("acme/shop", { ref: "staging", status: "failed", user: human });
    expect(gl.state.flowStarts).toEqual([]);
    expect(gl.state.flowTriggers.some((t) => t.eventTypes.includes(3))).toBe(true);
  });

  it("a pipeline a bot started starts nothing (GitLab runs flows for people only)", async () => {
    const { gl } = await published({});
    gl.pipelineStatus("acme/shop", {
      ref: "staging",
      status: "failed",
      user: { id: 77, username: "project_1_bot_77", bot: true },
    });
    expect(gl.state.flowStarts).toEqual([]);
  });
});
