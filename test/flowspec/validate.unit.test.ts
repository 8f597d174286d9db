import { describe, expect, it } from "vitest";
import { validateFlow, type FlowCheckOptions } from "../../src/flowspec/validate.js";

// The smallest flow with each moving part: a deterministic step that reads the config, an agent
// with an inline prompt and response schema, a conditional router on that schema's enum, and a
// reporter that ends the flow.
const SYSTEM =
  "<task>t</task>\n<tool_use_rules>r</tool_use_rules>\n<output_format>o</output_format>\n" +
  "<untrusted_input_rules>u</untrusted_input_rules>";
type Flow = {
  components: Record<string, unknown>[];
  routers: Record<string, unknown>[];
  prompts: ({ prompt_template: Record<string, unknown> } & Record<string, unknown>)[];
  response_schemas: Record<string, unknown>[];
  flow: Record<string, unknown>;
} & Record<string, unknown>;
const minimalFlow = (): Flow => ({
  version: "v1",
  environment: "ambient",
  components: [
    {
      name: "load_config",
      type: "DeterministicStepComponent",
      tool_name: "get_repository_file",
      inputs: [
        { from: "context:project_id", as: "project_id" },
        { from: "envsync.yaml", as: "file_path", literal: true },
      ],
    },
    {
      name: "decide",
      type: "AgentComponent",
      prompt_id: "decide_prompt",
      response_schema_id: "decision",
      inputs: [
        { from: "context:goal", as: "goal" },
        { from: "context:load_config.tool_responses", as: "config", optional: true },
      ],
      toolset: [],
    },
    {
      name: "reply",
      type: "AgentComponent",
      prompt_id: "reply_prompt",
      inputs: ["context:decide.final_answer.verdict"],
      toolset: ["create_issue_note"],
    },
  ],
  routers: [
    { from: "load_config", to: "decide" },
    {
      from: "decide",
      condition: {
        input: "context:decide.final_answer.verdict",
        routes: { yes: "reply", no: "end", default_route: "end" },
      },
    },
    { from: "reply", to: "end" },
  ],
  flow: { entry_point: "load_config" },
  prompts: [
    {
      prompt_id: "decide_prompt",
      name: "decide",
      unit_primitives: [],
      prompt_template: { system: SYSTEM, user: "<untrusted_data>{{goal}}</untrusted_data>" },
      params: { timeout: 60 },
    },
    {
      prompt_id: "reply_prompt",
      name: "reply",
      unit_primitives: [],
      prompt_template: { system: SYSTEM, user: "Verdict: {{ verdict }}" },
      params: { timeout: 60 },
    },
  ],
  response_schemas: [
    {
      schema_id: "decision",
      definition: {
        type: "object",
        properties: { verdict: { type: "string", enum: ["yes", "no"] } },
      },
    },
  ],
});
const ROLES: FlowCheckOptions = {
  roles: { load_config: "config_loader", decide: "classifier", reply: "reporter" },
};
const component = (flow: Flow, name: string) => flow.components.find((c) => c.name === name)!;
const router = (flow: Flow, from: string) => flow.routers.find((r) => r.from === from)!;
/** The problems of the minimal flow after one edit. */
const problemsAfter = (edit: (flow: Flow) => void, options = ROLES): string[] => {
  const flow = minimalFlow();
  edit(flow);
  return validateFlow(flow, options);
};

describe("validateFlow: a valid flow", () => {
  it("finds nothing wrong in the minimal flow", () => {
    expect(validateFlow(minimalFlow(), ROLES)).toEqual([]);
  });

  it("accepts a prompt kept in GitLab's registry (prompt_version) without an inline one", () => {
    const problems = problemsAfter((f) => {
      component(f, "reply").prompt_version = "^1.0.0";
      f.prompts.pop();
    });
    expect(problems).toEqual([]);
  });
});

describe("validateFlow: GitLab's flow schema", () => {
  it("reports a value the schema rejects with its JSON path", () => {
    expect(problemsAfter((f) => (f.environment = "ambiant"))).toEqual([
      expect.stringMatching(/^GitLab flow schema: \/environment must be equal to one of/),
    ]);
  });

  it("names a key the schema does not allow, with the path of its object", () => {
    const problems = problemsAfter((f) => (f.prompts[1]!.seed = 7));
    // Ajv also reports the anyOf around the list (list or null); the named key is the useful line.
    expect(problems).toContain(
      "GitLab flow schema: /prompts/1 must NOT have additional properties ('seed')",
    );
  });

  it("reports a flow that is not a mapping at the root path", () => {
    for (const flow of [null, "flow", ["v1"]]) {
      const problems = validateFlow(flow, ROLES);
      expect(problems.length, String(flow)).toBeGreaterThan(0);
      expect(problems.every((p) => p.startsWith("GitLab flow schema: / "))).toBe(true);
    }
  });
});

describe("validateFlow: components", () => {
  it("reports a name with characters other than letters, digits and '_'", () => {
    const problems = problemsAfter(
      (f) => {
        component(f, "reply").name = "re-ply";
        router(f, "reply").from = "re-ply";
        (router(f, "decide").condition as { routes: Record<string, string> }).routes.yes = "re-ply";
      },
      { roles: { ...ROLES.roles, "re-ply": "reporter" } },
    );
    expect(problems).toEqual(["component 're-ply': names use letters, digits and '_' only"]);
  });

  it("reports a component defined twice", () => {
    const problems = problemsAfter((f) => f.components.push({ ...component(f, "reply") }));
    expect(problems).toContain("component 'reply' is defined twice");
  });

  it("reports an unknown type and lists the known ones", () => {
    const problems = problemsAfter((f) => (component(f, "reply").type = "AgentComponnent"));
    expect(problems).toContain(
      "component 'reply': unknown type 'AgentComponnent' (expected AgentComponent, " +
        "DeterministicStepComponent, OneOffComponent, HumanInputComponent)",
    );
  });

  it("reports a missing required field and a field the type does not have", () => {
    const problems = problemsAfter((f) => {
      delete component(f, "load_config").tool_name;
      component(f, "load_config").toolset = [];
    });
    expect(problems).toContain("component 'load_config': missing required field 'tool_name'");
    expect(problems).toContain(
      "component 'load_config': field 'toolset' is not allowed on DeterministicStepComponent",
    );
  });

  it("reports a ui_log_event of another component type", () => {
    const problems = problemsAfter(
      (f) => (component(f, "load_config").ui_log_events = ["on_agent_final_answer"]),
    );
    expect(problems).toEqual([
      "component 'load_config': ui_log_events: 'on_agent_final_answer' is not an event of " +
        "DeterministicStepComponent",
    ]);
  });

  it("requires a human input step to log both of its events", () => {
    const problems = problemsAfter(
      (f) => {
        f.components.push({
          name: "ask",
          type: "HumanInputComponent",
          sends_response_to: "decide",
          ui_log_events: ["on_user_response"],
        });
        f.routers.push({ from: "ask", to: "end" });
      },
      { roles: { ...ROLES.roles, ask: "reader" } },
    );
    expect(problems).toContain(
      "component 'ask': ui_log_events must include 'on_user_input_prompt'",
    );
    expect(problems.filter((p) => p.includes("on_user_response"))).toEqual([]);
  });
});

describe("validateFlow: inputs", () => {
  const inputProblems = (inputs: unknown) =>
    problemsAfter((f) => (component(f, "decide").inputs = inputs)).filter(
      // Dropping the goal input leaves {{goal}} unfed; that is tested on its own below.
      (p) => !p.includes("{{goal}}"),
    );

  it.each([
    [[42], "an input must be a string or a mapping with 'from'"],
    [[{ from: "context:goal", rename: "g" }], "input key 'rename' is not allowed"],
    [[{ as: "goal" }], "an input mapping needs 'from'"],
    [[{ from: "HEAD", literal: true }], "a literal input needs 'as'"],
    [["goal"], "input 'goal' must start with context:, conversation_history: or be status"],
    [["conversation_history:nobody"], "input 'conversation_history:nobody' names no component"],
    [["context:"], "input 'context:' names no context key"],
    [["context:decider.final_answer"], "input 'context:decider.final_answer' names neither"],
    [
      ["context:load_config.final_answer"],
      "'load_config' outputs tool_responses or execution_result",
    ],
    [["context:reply.final_answer.text"], "reads a field of a final answer that has no inline"],
    [
      ["context:decide.final_answer.verdikt"],
      "the response schema of 'decide' has no field 'verdikt'",
    ],
  ])("reports the input %j on its component", (inputs, problem) => {
    const problems = inputProblems(inputs);
    expect(problems.some((p) => p.startsWith("component 'decide': ") && p.includes(problem))).toBe(
      true,
    );
  });

  it.each([
    ["status"],
    ["context:current_date"],
    ["context:inputs.envsync_evidence"],
    ["conversation_history:reply"],
    [{ from: "context:project_id", as: "project", optional: true }],
  ])("accepts the input %j", (input) => {
    expect(inputProblems([{ from: "context:goal", as: "goal" }, input])).toEqual([]);
  });

  it("reports two inputs that reach the prompt under one name", () => {
    const problems = inputProblems([
      { from: "context:goal", as: "goal" },
      { from: "context:project_id", as: "goal" },
    ]);
    expect(problems).toEqual(["component 'decide': two inputs are named 'goal'"]);
  });

  it("names an input after the last segment of its source when it has no 'as'", () => {
    // reply's prompt reads {{verdict}}, fed by "context:decide.final_answer.verdict".
    expect(validateFlow(minimalFlow(), ROLES)).toEqual([]);
    const renamed = problemsAfter(
      (f) => (component(f, "reply").inputs = ["context:decide.final_answer"]),
    );
    expect(renamed).toEqual([
      "component 'reply': prompt user: placeholder {{verdict}} is fed by no input",
    ]);
  });
});

describe("validateFlow: tools and roles", () => {
  it("reports a toolset that is not a list", () => {
    const problems = problemsAfter((f) => (component(f, "reply").toolset = "create_issue_note"));
    expect(problems).toContain("component 'reply': toolset must be a list");
  });

  it("reports a tool GitLab does not have", () => {
    const problems = problemsAfter((f) => (component(f, "reply").toolset = ["post_note"]));
    expect(problems).toContain(
      "component 'reply': tool 'post_note' is not a GitLab tool (not in GitLab's Duo Agent " +
        "Platform tool list)",
    );
  });

  it("reports a tool outside the component's role, for a deterministic step too", () => {
    const problems = problemsAfter((f) => {
      component(f, "reply").toolset = ["create_issue_note", "create_merge_request"];
      component(f, "load_config").tool_name = "list_commits";
    });
    expect(problems).toEqual([
      "component 'load_config': tool 'list_commits' is outside the allowlist of its role " +
        "'config_loader'",
      "component 'reply': tool 'create_merge_request' is outside the allowlist of its role " +
        "'reporter'",
    ]);
  });

  it("reports a component without a role", () => {
    const problems = validateFlow(minimalFlow(), {
      roles: { load_config: "config_loader", decide: "classifier" },
    });
    expect(problems).toEqual([
      "component 'reply': has no least-privilege role; add it to the flow's role table",
    ]);
  });

  it("allows only read-only tools in a read-only flow", () => {
    const readOnly = { ...ROLES, readOnly: true };
    const problems = validateFlow(minimalFlow(), readOnly);
    expect(problems).toEqual([
      "component 'reply': tool 'create_issue_note' is not read-only; the assistant may only read",
    ]);
  });
});

describe("validateFlow: prompts and response schemas", () => {
  it("reports an agent whose prompt is neither inline nor versioned", () => {
    const problems = problemsAfter((f) => f.prompts.pop());
    expect(problems).toEqual([
      "component 'reply': prompt_id 'reply_prompt' has no inline prompt and no prompt_version",
    ]);
  });

  it("reports an inline prompt and a response schema no component uses", () => {
    const problems = problemsAfter((f) => {
      component(f, "reply").prompt_version = "^1.0.0";
      f.response_schemas.push({ schema_id: "spare", definition: {} });
    });
    expect(problems).toEqual([
      "prompt 'reply_prompt' is defined but no component uses it",
      "response schema 'spare' is defined but no component uses it",
    ]);
  });

  it("reports a response_schema_id with neither an inline schema nor a version", () => {
    const problems = problemsAfter((f) => (component(f, "decide").response_schema_id = "verdict"));
    expect(problems).toContain(
      "component 'decide': response_schema_id 'verdict' has no inline response schema and no version",
    );
  });

  it("reports a placeholder no input feeds, naming the prompt part", () => {
    const problems = problemsAfter(
      (f) => (f.prompts[0]!.prompt_template.user = "{{goal}} on {{branch}}"),
    );
    expect(problems).toEqual([
      "component 'decide': prompt user: placeholder {{branch}} is fed by no input",
    ]);
  });

  it("reports Jinja left outside a placeholder", () => {
    const problems = problemsAfter(
      (f) => (f.prompts[0]!.prompt_template.system = `${SYSTEM}\n{% if x %}`),
    );
    expect(problems).toEqual([
      "component 'decide': prompt system: contains '{%' outside a placeholder; GitLab would read it " +
        "as Jinja",
      "component 'decide': prompt system: contains '%}' outside a placeholder; GitLab would read it " +
        "as Jinja",
    ]);
  });

  it("reports a system prompt missing a required section", () => {
    const problems = problemsAfter(
      (f) =>
        (f.prompts[0]!.prompt_template.system = SYSTEM.replace(
          "<output_format>o</output_format>\n",
          "",
        )),
    );
    expect(problems).toEqual([
      "component 'decide': prompt system: missing the <output_format> section",
    ]);
  });

  it("lets a user prompt repeat a section but not open one inside another", () => {
    const repeated = "<untrusted_data>{{goal}}</untrusted_data><untrusted_data>x</untrusted_data>";
    expect(problemsAfter((f) => (f.prompts[0]!.prompt_template.user = repeated))).toEqual([]);
    const nested = "<untrusted_data><findings>{{goal}}</findings></untrusted_data>";
    expect(problemsAfter((f) => (f.prompts[0]!.prompt_template.user = nested))).toEqual([
      "component 'decide': prompt user: <findings> opens inside <untrusted_data>; sections do not nest",
    ]);
  });

  it("reports a prompt without system text", () => {
    const problems = problemsAfter((f) => (f.prompts[0]!.prompt_template.system = "  "));
    expect(problems).toContain("component 'decide': prompt has no system text");
  });
});

describe("validateFlow: routing", () => {
  it("reports a target that is not a component, and one that is not a name", () => {
    const problems = problemsAfter((f) => {
      router(f, "load_config").to = "decider";
      router(f, "reply").to = ["end"];
    });
    expect(problems).toContain("router from 'load_config': target 'decider' is not a component");
    expect(problems).toContain(
      "router from 'reply': a route target must be a component name or 'end'",
    );
  });

  it("reports a router from a component that does not exist, and a second router", () => {
    const problems = problemsAfter((f) => {
      f.routers.push({ from: "ghost", to: "end" }, { from: "reply", to: "decide" });
    });
    expect(problems).toContain("router from 'ghost': 'ghost' is not a component");
    expect(problems).toContain("router from 'reply': a component has one router; found a second");
  });

  it("wants exactly one of 'to' and 'condition'", () => {
    const both = problemsAfter((f) => (router(f, "decide").to = "end"));
    expect(both).toContain("router from 'decide': give exactly one of 'to' or 'condition'");
    const neither = problemsAfter((f) => delete router(f, "reply").to);
    expect(neither).toContain("router from 'reply': give exactly one of 'to' or 'condition'");
  });

  it("wants a condition to have an input and a default route", () => {
    const problems = problemsAfter((f) => (router(f, "decide").condition = { routes: {} }));
    expect(problems).toContain("router from 'decide': condition needs an input");
    expect(problems).toContain("router from 'decide': condition routes need a default_route");
  });

  it("reports a route key the response schema's enum does not allow", () => {
    const problems = problemsAfter((f) => {
      const routes = (router(f, "decide").condition as { routes: Record<string, string> }).routes;
      routes.maybe = "reply";
    });
    expect(problems).toEqual([
      "router from 'decide': route 'maybe' is not a value the response schema allows (yes, no)",
    ]);
  });

  it("reports an entry point that is not a component", () => {
    const problems = problemsAfter((f) => (f.flow.entry_point = "start"));
    expect(problems).toEqual(["flow.entry_point 'start' is not a component"]);
  });

  it("reports a component with no router and one no route reaches", () => {
    const problems = problemsAfter((f) => {
      f.routers = f.routers.filter((r) => r.from !== "reply");
      (router(f, "decide").condition as { routes: Record<string, string> }).routes.yes = "end";
    });
    expect(problems).toEqual([
      "component 'reply' has no router: the flow would stop there",
      "component 'reply' cannot be reached from the entry point 'load_config'",
    ]);
  });

  it("reports a flow in which no path reaches 'end'", () => {
    const problems = problemsAfter((f) => {
      router(f, "reply").to = "decide";
      const routes = (router(f, "decide").condition as { routes: Record<string, string> }).routes;
      routes.no = "reply";
      routes.default_route = "reply";
    });
    expect(problems).toEqual(["no path from the entry point reaches 'end'"]);
  });
});
