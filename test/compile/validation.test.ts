import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvsyncError } from "../../src/errors.js";
import { compile, edit, MINIMAL, templatesCopy } from "../helpers/build.js";
import { envsync, tempDir } from "../helpers/cli.js";

async function buildProblems(dir: string): Promise<string[]> {
  const error = await compile(MINIMAL, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the build should have failed").toBeInstanceOf(EnvsyncError);
  return [(error as EnvsyncError).message, ...(error as EnvsyncError).details];
}

async function expectProblem(dir: string, pattern: RegExp): Promise<void> {
  const problems = await buildProblems(dir);
  expect(
    problems.some((p) => pattern.test(p)),
    `expected ${pattern} in:\n${problems.join("\n")}`,
  ).toBe(true);
}

describe("the unbroken templates", () => {
  it("build cleanly, so every failure below comes from its one edit", async () => {
    expect(await compile(MINIMAL, templatesCopy())).toHaveLength(5);
  });
});

describe("build-time validation catches a broken template", () => {
  it("YAML that does not parse", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/core.yml.hbs", "environment: ambient", "environment: [ambient");
    await expectProblem(dir, /core\.yml\.hbs: renders invalid YAML/);
  });

  it("a value GitLab's flow schema rejects", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/pipeline-doctor.yml.hbs", "environment: ambient", "environment: ambiant");
    await expectProblem(
      dir,
      /envsync-pipeline-doctor .*GitLab flow schema: \/environment must be equal to one of the allowed values/,
    );
  });

  it("an unknown key in an inline prompt (GitLab forbids extras)", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/assistant.yml.hbs",
      "    params: { timeout: 120 }",
      "    params: { timeout: 120 }\n    temperature: 0",
    );
    await expectProblem(
      dir,
      /GitLab flow schema: \/prompts\/0 must NOT have additional properties \('temperature'\)/,
    );
  });

  it("an unknown component type", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/assistant.yml.hbs", "type: AgentComponent", "type: AgentComponnent");
    await expectProblem(dir, /component 'assistant': unknown type 'AgentComponnent'/);
  });

  it("a field a component type does not have", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/pipeline-doctor.yml.hbs",
      "    tool_name: get_repository_file\n",
      "    tool_name: get_repository_file\n    toolset: [get_issue]\n",
    );
    await expectProblem(
      dir,
      /component 'load_config': field 'toolset' is not allowed on DeterministicStepComponent/,
    );
  });

  it("a ui_log_event of another component type", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/pipeline-doctor.yml.hbs",
      "ui_log_events: [on_tool_execution_success, on_tool_execution_failed]",
      "ui_log_events: [on_agent_final_answer]",
    );
    await expectProblem(
      dir,
      /component 'load_config': ui_log_events: 'on_agent_final_answer' is not an event of DeterministicStepComponent/,
    );
  });

  it("a component name with a dot", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/assistant.yml.hbs", /\bassistant\b(?=\n|,| })/g, "envsync.assistant");
    await expectProblem(
      dir,
      /component 'envsync.assistant': names use letters, digits and '_' only/,
    );
  });

  it("a prompt placeholder that no input feeds", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "prompts/assistant/user.hbs",
      "{{> user_request}}",
      '{{> user_request}}\nBranch: {{placeholder "branch_name"}}',
    );
    await expectProblem(
      dir,
      /component 'assistant': prompt user: placeholder \{\{branch_name\}\} is fed by no input/,
    );
  });

  it("an input that reads a component that does not exist", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/pipeline-doctor.yml.hbs",
      '"context:triage_failure.final_answer", as: diagnosis',
      '"context:triage.final_answer", as: diagnosis',
    );
    await expectProblem(
      dir,
      /input 'context:triage.final_answer' names neither a component nor a GitLab context key/,
    );
  });

  it("an input that reads a field the response schema lacks", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/rollback-guardian.yml.hbs",
      'input: "context:assess_rollback.final_answer.risk"',
      'input: "context:assess_rollback.final_answer.risk_level"',
    );
    await expectProblem(
      dir,
      /router from 'assess_rollback': input 'context:assess_rollback.final_answer.risk_level': the response schema of 'assess_rollback' has no field 'risk_level'/,
    );
  });

  it("a route key the response schema does not allow", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/core.yml.hbs",
      '"drift-check": drift_check_command',
      '"drift_check": drift_check_command',
    );
    await expectProblem(dir, /route 'drift_check' is not a value the response schema allows/);
  });

  it("a router target that is not a component", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/core.yml.hbs",
      "- { from: post_reply, to: end }",
      "- { from: post_reply, to: finish }",
    );
    await expectProblem(dir, /router from 'post_reply': target 'finish' is not a component/);
  });

  it("a conditional router without default_route", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/conflict-resolver.yml.hbs", '        "default_route": post_outcome\n', "");
    await expectProblem(
      dir,
      /router from 'classify_conflicts': condition routes need a default_route/,
    );
  });

  it("an entry point that is not a component", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/assistant.yml.hbs", "entry_point: assistant", "entry_point: start");
    await expectProblem(dir, /flow\.entry_point 'start' is not a component/);
  });

  it("a component no route reaches, and one with no router", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/rollback-guardian.yml.hbs", '        "blocked": report_blocked\n', "");
    edit(
      dir,
      "flows/rollback-guardian.yml.hbs",
      '        "default_route": report_blocked',
      '        "default_route": report_assessment',
    );
    await expectProblem(
      dir,
      /component 'report_blocked' cannot be reached from the entry point 'load_config'/,
    );
    const dir2 = templatesCopy();
    edit(dir2, "flows/rollback-guardian.yml.hbs", "  - { from: report_blocked, to: end }\n", "");
    await expectProblem(dir2, /component 'report_blocked' has no router/);
  });

  it("a tool GitLab does not have", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/core.yml.hbs",
      "toolset: [run_command, list_commits]",
      "toolset: [run_command, list_commits, cherry_pick]",
    );
    await expectProblem(
      dir,
      /component '(cherry_pick|promote)_command': tool 'cherry_pick' is not a GitLab tool/,
    );
  });

  it("a write tool in the read-only assistant", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/assistant.yml.hbs",
      "toolset: [get_repository_file,",
      "toolset: [create_issue_note, get_repository_file,",
    );
    await expectProblem(
      dir,
      /component 'assistant': tool 'create_issue_note' is not read-only; the assistant may only read/,
    );
  });

  it("a tool outside the component's least-privilege role", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/pipeline-doctor.yml.hbs",
      "    toolset: [create_issue_note, create_merge_request_note]",
      "    toolset: [create_issue_note, create_merge_request_note, create_merge_request]",
    );
    await expectProblem(
      dir,
      /component 'post_diagnosis': tool 'create_merge_request' is outside the allowlist of its role 'reporter'/,
    );
  });

  it("a component without a role", async () => {
    const dir = templatesCopy();
    edit(dir, "flows/assistant.yml.hbs", /\bassistant\b(?=\n|,| })/g, "helper");
    await expectProblem(dir, /component 'helper': has no least-privilege role/);
  });

  it("an XML section that is not closed, or not known", async () => {
    const dir = templatesCopy();
    edit(dir, "partials/projects.hbs", "</projects>", "");
    await expectProblem(
      dir,
      /prompt system: <projects> opens inside <projects>|<projects> is never closed/,
    );
    const dir2 = templatesCopy();
    edit(dir2, "prompts/assistant/system.hbs", "<task>", "<mission>");
    await expectProblem(dir2, /unexpected tag <mission>/);
  });

  it("a system prompt without the untrusted-input rules", async () => {
    const dir = templatesCopy();
    edit(dir, "prompts/assistant/system.hbs", "{{> untrusted_input_rules}}", "");
    await expectProblem(
      dir,
      /component 'assistant': prompt system: missing the <untrusted_input_rules> section/,
    );
  });

  it("Jinja syntax in prompt text", async () => {
    const dir = templatesCopy();
    edit(dir, "prompts/assistant/system.hbs", "Short Markdown:", "{% if x %}Short Markdown:");
    await expectProblem(dir, /prompt system: contains '\{%' outside a placeholder/);
  });

  it("a prompt template that does not exist", async () => {
    const dir = templatesCopy();
    edit(
      dir,
      "flows/assistant.yml.hbs",
      '{{prompt "assistant/system"}}',
      '{{prompt "assistant/sytem"}}',
    );
    await expectProblem(dir, /prompt template 'assistant\/sytem' does not exist/);
  });
});

describe("envsync build writes all or nothing", () => {
  it("leaves the previous files as they were when a template is broken", async () => {
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(config, MINIMAL);
    const out = join(dir, "flows");
    expect((await envsync("build", "-c", config, "-o", out)).code).toBe(0);
    const before = Object.fromEntries(
      readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]),
    );

    writeFileSync(config, MINIMAL.replace("main", "release"));
    const templates = templatesCopy();
    edit(
      templates,
      "flows/assistant.yml.hbs",
      "toolset: [get_repository_file,",
      "toolset: [run_command, get_repository_file,",
    );
    const result = await envsync("build", "-c", config, "-o", out, "--templates", templates);
    expect(result.code).toBe(1);
    expect(result.err).toContain("the compiled flows failed validation; nothing was written");
    expect(result.err).toContain("tool 'run_command' is not read-only");
    const after = Object.fromEntries(
      readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]),
    );
    expect(after).toEqual(before);
  });

  it("writes nothing for an invalid config and reports it with its position", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), MINIMAL.replace("protected: true", "protectd: true"));
    const result = await envsync(
      "build",
      "-c",
      join(dir, "envsync.yaml"),
      "-o",
      join(dir, "flows"),
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("envsync.yaml:5:31: unknown key 'protectd'");
    expect(() => readdirSync(join(dir, "flows"))).toThrow(/ENOENT/);
  });

  it("fails with a clear message when the output directory cannot be written", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "envsync.yaml"), MINIMAL);
    writeFileSync(join(dir, "flows"), "a file where the directory should be");
    const result = await envsync(
      "build",
      "-c",
      join(dir, "envsync.yaml"),
      "-o",
      join(dir, "flows"),
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /error: cannot write .*envsync-core\.yml: (ENOTDIR|EEXIST); nothing was changed/,
    );
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it("--check reports stale files with a diff, exits 1 and writes nothing", async () => {
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(config, MINIMAL);
    const out = join(dir, "flows");
    mkdirSync(out);
    expect((await envsync("build", "-c", config, "-o", out)).code).toBe(0);
    const original = readFileSync(join(out, "envsync-core.yml"), "utf8");
    writeFileSync(config, MINIMAL.replace("branch: main", "branch: release"));
    const result = await envsync("build", "--check", "-c", config, "-o", out);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^-\s+- production: branch `main`/m);
    expect(result.out).toMatch(/^\+\s+- production: branch `release`/m);
    expect(result.err).toContain("5 compiled flow files are stale");
    expect(readFileSync(join(out, "envsync-core.yml"), "utf8")).toBe(original);
  });

  it("is byte-identical on a rebuild and reports nothing written", async () => {
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(config, MINIMAL);
    const out = join(dir, "flows");
    await envsync("build", "-c", config, "-o", out);
    const first = readFileSync(join(out, "envsync-conflict-resolver.yml"), "utf8");
    const again = await envsync("build", "-c", config, "-o", out, "--json");
    const report = JSON.parse(again.out);
    expect(report.files.map((f: { status: string }) => f.status)).toEqual(
      Array(5).fill("unchanged"),
    );
    expect(report.files[0]).toMatchObject({
      name: "envsync-core",
      path: join(out, "envsync-core.yml"),
    });
    expect(report.files[0].prompt_tokens.envsync_core_classify).toBeGreaterThan(100);
    expect(readFileSync(join(out, "envsync-conflict-resolver.yml"), "utf8")).toBe(first);
  });
});
