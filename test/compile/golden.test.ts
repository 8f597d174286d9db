import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { planBuild } from "../../src/compile/build.js";
import { FLOWS } from "../../src/compile/flows.js";
import { READ_ONLY_TOOLS } from "../../src/flowspec/tools.js";
import { SYSTEM_SECTIONS } from "../../src/flowspec/prompt-checks.js";
import { envsyncVersion } from "../../src/version.js";
import { envsync, repoRoot } from "../helpers/cli.js";

// Golden builds: flows/ holds the build of examples/envsync.yaml, test/golden/ the other examples.
// After an intended change, run `npm run golden:update` and review the diff.
const GOLDEN = [
  ["examples/envsync.yaml", "flows"],
  ["examples/minimal.yaml", "test/golden/minimal"],
  ["examples/multi-project.yaml", "test/golden/multi-project"],
] as const;

describe("golden flows", () => {
  for (const [example, dir] of GOLDEN) {
    it(`${dir}/ is the current build of ${example}`, async () => {
      const { config } = await loadConfig(join(repoRoot, example));
      const plan = await planBuild(config, {
        outDir: join(repoRoot, dir),
        version: envsyncVersion(),
      });
      expect(plan.map((f) => f.file).sort()).toEqual(readdirSync(join(repoRoot, dir)).sort());
      for (const flow of plan)
        expect(flow.diff, `${flow.path} is stale: run npm run golden:update`).toBe("");
    });
  }

  it("`envsync build --check` passes on the committed flows/", async () => {
    const result = await envsync(
      "build",
      "--check",
      "-c",
      join(repoRoot, "examples/envsync.yaml"),
      "-o",
      join(repoRoot, "flows"),
    );
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("what the compiled flows promise", () => {
  const flows = FLOWS.map((f) => ({
    id: f.id,
    doc: parse(readFileSync(join(repoRoot, "flows", `envsync-${f.id}.yml`), "utf8")),
  }));
  const systemPrompts = flows.flatMap((f) =>
    (f.doc.prompts as { prompt_template: { system: string } }[]).map(
      (p) => p.prompt_template.system,
    ),
  );

  it("builds the five flows, ambient except the chat assistant", () => {
    expect(flows.map((f) => [f.doc.name, f.doc.environment])).toEqual([
      ["envsync-core", "ambient"],
      ["envsync-pipeline-doctor", "ambient"],
      ["envsync-rollback-guardian", "ambient"],
      ["envsync-conflict-resolver", "ambient"],
      ["envsync-assistant", "chat"],
    ]);
  });

  it("uses every XML section somewhere, and the safety sections in every system prompt", () => {
    const used = new Set(
      systemPrompts.flatMap((p) => [...p.matchAll(/<([a-z_]+)>/g)].map((m) => m[1])),
    );
    for (const section of SYSTEM_SECTIONS) expect(used, section).toContain(section);
    for (const prompt of systemPrompts) {
      expect(prompt).toContain("<untrusted_input_rules>");
      expect(prompt).toContain("<tool_use_rules>");
    }
  });

  it("gives the assistant read-only tools only", () => {
    const assistant = flows.find((f) => f.id === "assistant")!.doc;
    const tools = assistant.components.flatMap((c: { toolset?: string[] }) => c.toolset ?? []);
    expect(tools.length).toBeGreaterThan(3);
    for (const tool of tools) expect(READ_ONLY_TOOLS.has(tool), tool).toBe(true);
  });

  it("routes the core flow on a schema-constrained command, with unknown input answered by usage", () => {
    const core = flows.find((f) => f.id === "core")!.doc;
    const router = core.routers.find((r: { from: string }) => r.from === "classify_command");
    expect(router.condition.input).toBe("context:classify_command.final_answer.command");
    expect(router.condition.routes).toMatchObject({
      status: "status_command",
      "drift-check": "drift_check_command",
      "cherry-pick": "cherry_pick_command",
      promote: "promote_command",
      rollback: "rollback_command",
      help: "post_reply",
      "needs-confirmation": "post_reply",
      default_route: "post_reply",
    });
    expect(core.components[0]).toMatchObject({
      name: "load_config",
      tool_name: "get_repository_file",
    });
  });

  it("lets the core flow's rollback only run EnvSync: the model writes no revert and opens no MR", () => {
    const core = flows.find((f) => f.id === "core")!.doc;
    const rollback = core.components.find((c: { name: string }) => c.name === "rollback_command");
    expect(rollback.toolset).toEqual(["run_command"]);
    const prompt = readFileSync(join(repoRoot, "flows", "envsync-core.yml"), "utf8");
    expect(prompt).toContain("Run `envsync rollback --env ENV --json`");
  });

  it("blocks a rollback whose risk is unknown (fail safe)", () => {
    const guardian = flows.find((f) => f.id === "rollback-guardian")!.doc;
    const router = guardian.routers.find((r: { from: string }) => r.from === "assess_rollback");
    expect(router.condition.routes.blocked).toBe("report_blocked");
    expect(router.condition.routes.default_route).toBe("report_blocked");
  });

  it("states the protected environments' confirmation phrase", () => {
    const core = readFileSync(join(repoRoot, "flows", "envsync-core.yml"), "utf8");
    expect(core).toContain("a write needs `confirm production` in the request");
    expect(core).toContain("a write needs `confirm preprod` in the request");
    expect(core).not.toContain("a write needs `confirm staging`");
  });

  it("keeps every system prompt under 4,000 tokens (characters / 4)", () => {
    const largest = Math.max(...systemPrompts.map((p) => Math.ceil(p.length / 4)));
    expect(largest).toBeLessThan(4000);
  });

  it("names the EnvSync version and the config hash in a header", () => {
    const text = readFileSync(join(repoRoot, "flows", "envsync-core.yml"), "utf8");
    expect(text).toMatch(
      new RegExp(
        `^# Generated by EnvSync ${envsyncVersion().replace(/\./g, "\\.")} from envsync.yaml \\(config sha256:[0-9a-f]{16}\\)\\.\n`,
      ),
    );
  });
});

describe("how the flows run the engine", () => {
  it("call the envsync the runtime installs, never npx, and say what to do without it", () => {
    for (const name of readdirSync(join(repoRoot, "flows"))) {
      const text = readFileSync(join(repoRoot, "flows", name), "utf8");
      expect(text, name).not.toMatch(/npx/);
      if (!text.includes("run_command")) continue;
      expect(text, name).toContain("run `envsync COMMAND --json` with run_command");
      expect(text, name).toContain("Never guess what the CLI would have said");
    }
  });
});
