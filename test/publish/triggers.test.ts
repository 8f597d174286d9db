import { join } from "node:path";
import { writeFileSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, repoRoot, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";
import { EVENT_TYPES } from "../standin/flow-triggers.js";

const CONFIG = join(repoRoot, "examples", "envsync.yaml");
const FLOWS = join(repoRoot, "flows");
const TRIGGER_MUTATIONS = [
  "EnvsyncFlowTriggerCreate",
  "EnvsyncFlowTriggerUpdate",
  "EnvsyncFlowTriggerDelete",
];
const OWNED = "(managed by envsync publish)";
/** GitLab's own triggers, made when each flow is enabled in a project with catalog.triggers. */
const MENTIONS = [
  "envsync-conflict-resolver (gitlab): mention",
  "envsync-core (gitlab): mention",
  "envsync-pipeline-doctor (gitlab): mention",
  "envsync-rollback-guardian (gitlab): mention",
];

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function gitlab(options: StandinOptions = {}): Promise<GitLabStandin> {
  standin = await new GitLabStandin(options).start();
  for (const path of ["acme/envsync-flows", "acme/shop", "acme/payments", "acme/search"])
    standin.state.addProject(path);
  standin.state.addGroup("acme");
  return standin;
}

async function publish(gl: GitLabStandin, ...extra: string[]) {
  return envsyncIn(
    { env: testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url }) },
    "publish",
    "-c",
    CONFIG,
    "--dir",
    FLOWS,
    ...extra,
  );
}

const triggerWrites = (gl: GitLabStandin) =>
  gl.log.filter((r) => r.operation && TRIGGER_MUTATIONS.includes(r.operation));

/** Each project's triggers as "item: event names" (GitLab's own marked as such). */
function triggersOf(gl: GitLabStandin, path: string): string[] {
  const project = gl.state.project(path)!;
  const names = Object.fromEntries(Object.entries(EVENT_TYPES).map(([k, v]) => [v, k]));
  return gl.state.flowTriggers
    .filter((t) => t.projectId === project.id)
    .map((t) => {
      const consumer = gl.state.consumers.find((c) => c.id === t.consumerId)!;
      const item = gl.state.items.find((i) => i.id === consumer.itemId)!;
      const owner = t.description.endsWith(OWNED) ? "envsync" : "gitlab";
      return `${item.name} (${owner}): ${t.eventTypes.map((e) => names[e]).join(",")}`;
    })
    .sort();
}

describe("envsync publish sets up GitLab's native flow triggers", () => {
  it("newer GitLab: exactly the declared triggers, filtered by GitLab, with no user; a second run changes nothing", async () => {
    const gl = await gitlab();
    const first = await publish(gl);
    expect(first.code).toBe(0);
    for (const path of ["acme/shop", "acme/payments", "acme/search"])
      expect(triggersOf(gl, path)).toEqual(
        [
          "envsync-conflict-resolver (envsync): merge_request_code_conflict",
          ...MENTIONS,
          "envsync-pipeline-doctor (envsync): pipeline_hooks",
        ].sort(),
      );
    const doctor = gl.state.flowTriggers.find(
      (t) => t.description === `envsync-pipeline-doctor: started by GitLab ${OWNED}`,
    )!;
    expect(doctor.userId).toBeUndefined();
    expect(doctor.filter).toEqual({
      pipeline_hooks: {
        match: "all",
        rules: [
          { field: "object_attributes.status", operator: "eq", value: "failed" },
          {
            field: "object_attributes.ref",
            operator: "in",
            value: ["develop", "staging", "preprod", "main"],
          },
        ],
      },
    });
    expect(first.out).toMatch(
      /acme\/shop\s+pipeline-doctor\s+pipeline_hooks\s+created\s+GitLab\s+not needed/,
    );

    const writes = triggerWrites(gl).length;
    const second = await publish(gl, "--json");
    expect(second.code).toBe(0);
    expect(triggerWrites(gl)).toHaveLength(writes);
    const report = JSON.parse(second.out) as { triggers: { status: string; flow: string }[] };
    expect(
      report.triggers
        .filter((t) => t.flow !== "drift-check")
        .map((t) => t.status)
        .sort(),
    ).toEqual([
      "covered",
      "covered",
      "covered",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
  });

  it("GitLab 18.9: the service account as user, no filter, no conflict trigger (reported with what to do), bridge kept", async () => {
    const gl = await gitlab({ visibility: false });
    const first = await publish(gl, "--json");
    expect(first.code).toBe(0);
    expect(triggersOf(gl, "acme/shop")).toEqual(
      [...MENTIONS, "envsync-pipeline-doctor (envsync): pipeline_hooks"].sort(),
    );
    const doctor = gl.state.flowTriggers.find((t) => t.description.endsWith(OWNED))!;
    const group = gl.state.consumers.find(
      (c) => c.groupId !== undefined && c.serviceAccount === "ai-envsync-pipeline-doctor-acme",
    )!;
    expect(doctor.userId).toBe(group.id + 5000);
    expect(doctor.filter).toBeUndefined();
    const report = JSON.parse(first.out) as {
      triggers: { project: string; flow: string; status: string; bridge: boolean; hint?: string }[];
    };
    const shop = report.triggers.filter((t) => t.project === "acme/shop");
    expect(shop.find((t) => t.flow === "pipeline-doctor")).toMatchObject({
      status: "created",
      bridge: true,
    });
    expect(shop.find((t) => t.flow === "conflict-resolver")).toMatchObject({
      status: "refused",
      hint: expect.stringMatching(/upgrade GitLab/),
    });
    expect(first.err).toMatch(
      /warning: trigger conflict-resolver in acme\/shop: GitLab 18\.9 has no merge_request_code_conflict trigger \(it needs 19\.1\)/,
    );

    const writes = triggerWrites(gl).length;
    expect((await publish(gl)).code).toBe(0);
    expect(triggerWrites(gl)).toHaveLength(writes);
  });

  it("updates a trigger that differs, deletes only EnvSync's own that nothing declares, and leaves others alone", async () => {
    const gl = await gitlab();
    await publish(gl);
    const shop = gl.state.project("acme/shop")!;
    const doctor = gl.state.flowTriggers.find(
      (t) =>
        t.projectId === shop.id &&
        t.description === `envsync-pipeline-doctor: started by GitLab ${OWNED}`,
    )!;
    doctor.filter = { pipeline_hooks: { rules: [] } };
    const consumerId = doctor.consumerId!;
    gl.state.flowTriggers.push(
      {
        ...doctor,
        id: gl.state.id(),
        description: `envsync-old-flow: started by GitLab ${OWNED}`,
        eventTypes: [1],
      },
      {
        ...doctor,
        id: gl.state.id(),
        description: "someone's own trigger",
        eventTypes: [2],
        consumerId,
      },
    );
    const dry = await publish(gl, "--dry-run");
    expect(dry.out).toMatch(/acme\/shop\s+pipeline-doctor\s+pipeline_hooks\s+would update/);
    expect(dry.out).toMatch(/acme\/shop\s+envsync-old-flow\s+assign\s+would delete/);
    expect(triggerWrites(gl)).toHaveLength(6);
    const result = await publish(gl);
    expect(result.code).toBe(0);
    expect(triggersOf(gl, "acme/shop")).toEqual(
      [
        "envsync-conflict-resolver (envsync): merge_request_code_conflict",
        ...MENTIONS,
        "envsync-pipeline-doctor (envsync): pipeline_hooks",
        "envsync-pipeline-doctor (gitlab): assign_reviewer",
      ].sort(),
    );
    expect(doctor.filter).toMatchObject({ pipeline_hooks: { match: "all" } });
  });

  it("triggers.pipeline_doctor: [] removes EnvSync's pipeline trigger", async () => {
    const gl = await gitlab();
    await publish(gl);
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(config, `${readFileSync(CONFIG, "utf8")}\ntriggers:\n  pipeline_doctor: []\n`);
    const build = await envsyncIn({}, "build", "-c", config, "-o", join(dir, "flows"));
    expect(build.code).toBe(0);
    const result = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url }) },
      "publish",
      "-c",
      config,
      "--dir",
      join(dir, "flows"),
    );
    expect(result.code).toBe(0);
    expect(triggersOf(gl, "acme/shop")).toEqual(
      ["envsync-conflict-resolver (envsync): merge_request_code_conflict", ...MENTIONS].sort(),
    );
  });

  it("takes GitLab's answer over the version: a user refused, then one required, is sent as GitLab wants", async () => {
    const gl = await gitlab({ visibility: false });
    // An 18.9 that first answers as a newer GitLab would: EnvSync drops the user, GitLab's
    // schema then requires one, and the third try in 18.9's form is taken.
    gl.fail({
      operation: "EnvsyncFlowTriggerCreate",
      respond: {
        status: 200,
        body: {
          data: { aiFlowTriggerCreate: { errors: ["User must be blank"], aiFlowTrigger: null } },
        },
      },
    });
    const result = await publish(gl);
    expect(result.code).toBe(0);
    const created = gl.requests({ operation: "EnvsyncFlowTriggerCreate" }).length;
    expect(created).toBe(2 /* retries of the first */ + 3 /* one per project */);
    expect(
      gl.state.flowTriggers.filter((t) => t.description.endsWith(OWNED)).every((t) => t.userId),
    ).toBe(true);
  });

  it("where GitLab offers no flow triggers, reports them refused with what to do and still succeeds", async () => {
    const gl = await gitlab();
    gl.fail({
      operation: "EnvsyncFlowTriggersFiltered",
      times: 3,
      respond: { status: 200, body: { data: { project: { aiFlowTriggers: null } } } },
    });
    const result = await publish(gl, "--json");
    expect(result.code).toBe(0);
    expect(triggerWrites(gl)).toEqual([]);
    const report = JSON.parse(result.out) as {
      triggers: { flow: string; status: string; bridge: boolean; hint?: string }[];
    };
    expect(report.triggers.find((t) => t.flow === "pipeline-doctor")).toMatchObject({
      status: "refused",
      bridge: true,
      hint: expect.stringMatching(/ai_flow_triggers/),
    });
    expect(result.err).toMatch(
      /warning: trigger pipeline-doctor in acme\/shop: GitLab offers no flow triggers/,
    );
  });
});
