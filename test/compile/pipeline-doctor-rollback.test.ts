/**
 * Issue #24, automatic rollback where it matters: with `rollback.auto` listing environments, the
 * compiled pipeline doctor sends a failed pipeline on one of them through a step that runs
 * `envsync doctor --output FILE --json` and `envsync rollback --after-diagnosis FILE --json` (no
 * shell: run_command passes words, never a redirection), and its note
 * reports the decision (the merge request and why, or why not). Without it, none of this is there.
 */
import { describe, expect, it } from "vitest";
import { compile, MINIMAL } from "../helpers/build.js";
import { envsync } from "../helpers/cli.js";

interface Flow {
  components: {
    name: string;
    toolset?: string[];
    prompt_id?: string;
    inputs?: { from: string; as: string; optional?: boolean }[];
  }[];
  routers: {
    from: string;
    to?: string;
    condition?: { input: string; routes: Record<string, string> };
  }[];
  prompts: { prompt_id: string; prompt_template: { system: string; user: string } }[];
  response_schemas: { schema_id: string; definition: { properties: Record<string, unknown> } }[];
}

async function doctor(yaml: string): Promise<Flow> {
  const flow = (await compile(yaml)).find((f) => f.name === "envsync-pipeline-doctor");
  expect(flow).toBeDefined();
  return flow!.definition as unknown as Flow;
}

function prompt(flow: Flow, id: string) {
  const found = flow.prompts.find((p) => p.prompt_id === id);
  expect(found, id).toBeDefined();
  return found!.prompt_template;
}

const AUTO = `${MINIMAL}rollback:\n  auto:\n    environments: [staging, production]\n    min_confidence: 0.8\n`;

/** The `envsync …` commands a prompt tells the model to run, as written between backticks. */
function commandsIn(text: string): string[] {
  return [...text.matchAll(/`(envsync [^`]+)`/g)].map((m) => m[1]!);
}

describe("the pipeline doctor with rollback.auto", () => {
  it("routes a failed pipeline on an opted-in environment, and only that, to the rollback step", async () => {
    const flow = await doctor(AUTO);
    const step = flow.components.find((c) => c.name === "auto_rollback");
    expect(step?.toolset).toEqual(["run_command"]);
    const fromTriage = flow.routers.find((r) => r.from === "triage_failure")!;
    // The engine's environment (the screen step's), not the model's reading of the pipeline.
    expect(fromTriage.condition?.input).toBe("context:screen_event.final_answer.environment");
    expect(fromTriage.condition?.routes).toEqual({
      staging: "auto_rollback",
      production: "auto_rollback",
      default_route: "post_diagnosis",
    });
    expect(flow.routers.find((r) => r.from === "auto_rollback")?.to).toBe("post_diagnosis");
    const screen = flow.response_schemas.find((s) => s.schema_id === "envsync_doctor_screen")!;
    expect(Object.keys(screen.definition.properties)).toContain("environment");
    expect(prompt(flow, "envsync_doctor_screen").system).toContain(
      "`pipeline`, `environment` and `report_issue` unchanged",
    );
  });

  it("runs the doctor into a file and the rollback on that file, with nothing else on the line, and no shell", async () => {
    const flow = await doctor(AUTO);
    const { system, user } = prompt(flow, "envsync_doctor_rollback");
    // The commands of its task; the shared CLI rules name `envsync --version` and the like.
    const task = /<task>([\s\S]*?)<\/task>/.exec(system)![1]!;
    const [diagnose, rollback, ...more] = commandsIn(task);
    expect(more).toEqual([]);
    // run_command passes words to the program: no redirection, pipe or expansion would happen.
    for (const line of [diagnose!, rollback!]) expect(line).not.toMatch(/[|&;<>$`]/);
    const file = /^envsync doctor --pipeline ID --output (\S+) --json$/.exec(diagnose!)?.[1];
    expect(file, diagnose).toBeDefined();
    expect(rollback).toBe(`envsync rollback --env ENV --after-diagnosis ${file} --json`);
    expect(system).toContain("not exactly one of staging, production, run nothing");
    expect(system).toMatch(/never `--confirm`, `--via` or `--to`/);
    expect(system).toContain("`auto.reasons` unchanged as `reasons`");
    expect(user).toContain("{{screen}}");

    // The options the prompt uses are the CLI's own.
    const rollbackHelp = await envsync("rollback", "--help");
    for (const option of ["--env <env>", "--after-diagnosis <file>", "--json"])
      expect(rollbackHelp.out, option).toContain(option);
    const doctorHelp = await envsync("doctor", "--help");
    for (const option of ["--pipeline <id>", "--output <file>", "--json"])
      expect(doctorHelp.out, option).toContain(option);
  });

  it("reports the decision in the diagnosis note: the merge request and why, or why not", async () => {
    const flow = await doctor(AUTO);
    const post = flow.components.find((c) => c.name === "post_diagnosis")!;
    // Optional: a pipeline on another environment never reaches the rollback step.
    expect(post.inputs).toContainEqual({
      from: "context:auto_rollback.final_answer",
      as: "rollback",
      optional: true,
    });
    const report = prompt(flow, "envsync_doctor_report");
    expect(report.user).toContain("{{rollback}}");
    expect(report.system).toContain(
      "if `acted`, the merge request it opened and why, else why not, every reason as given",
    );
    expect(report.system).toContain("`Automatic rollback:` with the merge request link");
    expect(report.system).toContain("`No automatic rollback:`");
  });
});

describe("the pipeline doctor without rollback.auto", () => {
  for (const [what, yaml] of [
    ["no rollback section", MINIMAL],
    [
      "rollback.auto listing no environment",
      `${MINIMAL}rollback:\n  auto:\n    environments: []\n`,
    ],
  ] as const)
    it(`has no rollback step and says nothing of it (${what})`, async () => {
      const flow = await doctor(yaml);
      expect(flow.components.map((c) => c.name)).not.toContain("auto_rollback");
      expect(flow.prompts.map((p) => p.prompt_id)).not.toContain("envsync_doctor_rollback");
      expect(flow.routers.find((r) => r.from === "triage_failure")?.to).toBe("post_diagnosis");
      const report = prompt(flow, "envsync_doctor_report");
      expect(report.system).not.toMatch(/rollback/i);
      expect(report.user).not.toContain("{{rollback}}");
      expect(
        flow.components.find((c) => c.name === "post_diagnosis")!.inputs!.map((i) => i.as),
      ).not.toContain("rollback");
    });
});
