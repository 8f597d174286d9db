/**
 * What a valid GitLab Flow Registry v1 file is, beyond GitLab's JSON Schema (which leaves components
 * and routers free-form): component types and fields, inputs, prompts and response schemas, routers,
 * reachability, tool names, and EnvSync's least-privilege roles. Returns every problem found.
 * The rules follow GitLab's Flow Registry v1 documentation and its own flows; the schema and the
 * tool list are GitLab's (vendor/gitlab/).
 */
import { validate as validateGitLabSchema } from "../generated/flow-schema-validate.js";
import { KNOWN_TOOLS, READ_ONLY_TOOLS, ROLE_ALLOWLISTS, type Role } from "./tools.js";
import {
  placeholdersIn,
  REQUIRED_SECTIONS,
  sectionProblems,
  strayJinja,
  SYSTEM_SECTIONS,
  USER_SECTIONS,
} from "./prompt-checks.js";

export interface FlowCheckOptions {
  /** Least-privilege role of every component, by component name. */
  roles: Record<string, Role>;
  /** The flow is the chat assistant: every tool must be read-only. */
  readOnly?: boolean;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

const COMPONENT_FIELDS: Record<
  string,
  { required: string[]; optional: string[]; events: string[]; mustHaveEvents?: string[] }
> = {
  AgentComponent: {
    required: ["name", "type", "prompt_id"],
    optional: [
      "prompt_version",
      "toolset",
      "inputs",
      "response_schema_id",
      "response_schema_version",
      "response_schema_tracking",
      "response_schema_tracking_context",
      "require_tool_approval",
      "pre_approved_tools",
      "max_cycles",
      "max_wrap_up_retries",
      "compaction",
      "ui_log_events",
      "ui_role_as",
      "model_tags",
      "description",
    ],
    events: [
      "on_agent_final_answer",
      "on_agent_reasoning",
      "on_tool_execution_success",
      "on_tool_execution_failed",
      "on_tool_approval_request",
    ],
  },
  DeterministicStepComponent: {
    required: ["name", "type", "tool_name"],
    optional: ["inputs", "ui_log_events", "description"],
    events: ["on_tool_execution_success", "on_tool_execution_failed"],
  },
  OneOffComponent: {
    required: ["name", "type", "prompt_id"],
    optional: [
      "prompt_version",
      "toolset",
      "inputs",
      "max_correction_attempts",
      "ui_log_events",
      "description",
    ],
    events: ["on_tool_call_input", "on_tool_execution_success", "on_tool_execution_failed"],
  },
  HumanInputComponent: {
    required: ["name", "type", "sends_response_to"],
    optional: ["message_template", "interaction_type", "inputs", "ui_log_events", "description"],
    events: ["on_user_input_prompt", "on_user_response"],
    mustHaveEvents: ["on_user_input_prompt", "on_user_response"],
  },
};

/** Context keys GitLab provides to an ambient or chat flow (besides component outputs). */
const CONTEXT_ROOTS = new Set([
  "goal",
  "project_id",
  "project_http_url_to_repo",
  "project_default_branch",
  "current_date",
  "workflow_id",
  "session_url",
  "inputs",
]);
const NAME = /^[A-Za-z0-9_]+$/;

interface SchemaError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}
/** GitLab's flow JSON Schema, compiled ahead of time (scripts/vendor-gitlab.mjs). */
const gitlabSchema = validateGitLabSchema as unknown as {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
};

export function validateFlow(flow: unknown, options: FlowCheckOptions): string[] {
  const problems: string[] = [];
  if (!gitlabSchema(flow)) {
    for (const error of gitlabSchema.errors ?? []) {
      problems.push(
        `GitLab flow schema: ${error.instancePath || "/"} ${error.message ?? "is invalid"}` +
          (error.params && "additionalProperty" in error.params
            ? ` ('${String(error.params.additionalProperty)}')`
            : ""),
      );
    }
  }
  if (!isDict(flow)) return problems.length > 0 ? problems : ["the flow is not a mapping"];

  const components = Array.isArray(flow.components) ? flow.components.filter(isDict) : [];
  const names = new Map<string, Dict>();
  for (const [i, c] of components.entries()) {
    const name = typeof c.name === "string" ? c.name : `#${i}`;
    if (!NAME.test(name))
      problems.push(`component '${name}': names use letters, digits and '_' only`);
    if (names.has(name)) problems.push(`component '${name}' is defined twice`);
    names.set(name, c);
  }
  const prompts = new Map<string, Dict>();
  for (const p of Array.isArray(flow.prompts) ? flow.prompts.filter(isDict) : [])
    prompts.set(String(p.prompt_id), p);
  const schemas = new Map<string, Dict>();
  for (const s of Array.isArray(flow.response_schemas)
    ? flow.response_schemas.filter(isDict)
    : []) {
    schemas.set(String(s.schema_id), isDict(s.definition) ? s.definition : {});
  }

  const usedPrompts = new Set<string>();
  const usedSchemas = new Set<string>();
  for (const component of names.values()) {
    problems.push(
      ...checkComponent(component, {
        names,
        prompts,
        schemas,
        usedPrompts,
        usedSchemas,
        options,
      }).map((p) => `component '${String(component.name)}': ${p}`),
    );
  }
  for (const id of prompts.keys())
    if (!usedPrompts.has(id)) problems.push(`prompt '${id}' is defined but no component uses it`);
  for (const id of schemas.keys())
    if (!usedSchemas.has(id))
      problems.push(`response schema '${id}' is defined but no component uses it`);
  problems.push(...checkRouting(flow, names, schemas));
  return problems;
}

interface Scope {
  names: Map<string, Dict>;
  prompts: Map<string, Dict>;
  schemas: Map<string, Dict>;
  usedPrompts: Set<string>;
  usedSchemas: Set<string>;
  options: FlowCheckOptions;
}

function checkComponent(c: Dict, scope: Scope): string[] {
  const problems: string[] = [];
  const type = String(c.type);
  const spec = COMPONENT_FIELDS[type];
  if (!spec)
    return [`unknown type '${type}' (expected ${Object.keys(COMPONENT_FIELDS).join(", ")})`];
  for (const field of spec.required)
    if (c[field] === undefined) problems.push(`missing required field '${field}'`);
  for (const field of Object.keys(c)) {
    if (!spec.required.includes(field) && !spec.optional.includes(field))
      problems.push(`field '${field}' is not allowed on ${type}`);
  }
  const events = Array.isArray(c.ui_log_events) ? c.ui_log_events.map(String) : [];
  for (const event of events)
    if (!spec.events.includes(event))
      problems.push(`ui_log_events: '${event}' is not an event of ${type}`);
  for (const event of spec.mustHaveEvents ?? [])
    if (!events.includes(event)) problems.push(`ui_log_events must include '${event}'`);

  const inputNames = new Set<string>();
  for (const input of Array.isArray(c.inputs)
    ? c.inputs
    : c.inputs === undefined
      ? []
      : [c.inputs]) {
    const checked = checkInput(input, scope);
    problems.push(...checked.problems);
    if (checked.name) {
      if (inputNames.has(checked.name)) problems.push(`two inputs are named '${checked.name}'`);
      inputNames.add(checked.name);
    }
  }

  const name = String(c.name);
  const role = scope.options.roles[name];
  const tools =
    type === "DeterministicStepComponent"
      ? [String(c.tool_name)]
      : Array.isArray(c.toolset)
        ? c.toolset.map(String)
        : [];
  if (c.toolset !== undefined && !Array.isArray(c.toolset)) problems.push("toolset must be a list");
  for (const tool of tools) {
    if (!KNOWN_TOOLS.has(tool))
      problems.push(
        `tool '${tool}' is not a GitLab tool (not in GitLab's Duo Agent Platform tool list)`,
      );
    if (scope.options.readOnly && !READ_ONLY_TOOLS.has(tool))
      problems.push(`tool '${tool}' is not read-only; the assistant may only read`);
  }
  if (!role) problems.push("has no least-privilege role; add it to the flow's role table");
  else
    for (const tool of tools)
      if (!ROLE_ALLOWLISTS[role].has(tool))
        problems.push(`tool '${tool}' is outside the allowlist of its role '${role}'`);

  if (type === "AgentComponent" || type === "OneOffComponent") {
    const promptId = String(c.prompt_id);
    if (c.prompt_version === undefined || c.prompt_version === null) {
      const prompt = scope.prompts.get(promptId);
      if (!prompt)
        problems.push(`prompt_id '${promptId}' has no inline prompt and no prompt_version`);
      else {
        scope.usedPrompts.add(promptId);
        problems.push(...checkPromptText(prompt, inputNames));
      }
    }
  }
  if (
    c.response_schema_id !== undefined &&
    (c.response_schema_version === undefined || c.response_schema_version === null)
  ) {
    const id =
      typeof c.response_schema_id === "string"
        ? c.response_schema_id
        : JSON.stringify(c.response_schema_id);
    if (!scope.schemas.has(id))
      problems.push(`response_schema_id '${id}' has no inline response schema and no version`);
    else scope.usedSchemas.add(id);
  }
  return problems;
}

function checkInput(input: unknown, scope: Scope): { name?: string; problems: string[] } {
  if (typeof input === "string") return checkSource(input, scope, lastSegment(input));
  if (!isDict(input)) return { problems: ["an input must be a string or a mapping with 'from'"] };
  for (const key of Object.keys(input)) {
    if (!["from", "as", "optional", "literal"].includes(key))
      return { problems: [`input key '${key}' is not allowed (from, as, optional, literal)`] };
  }
  if (typeof input.from !== "string") return { problems: ["an input mapping needs 'from'"] };
  const name = typeof input.as === "string" ? input.as : lastSegment(input.from);
  if (input.literal === true)
    return { name, problems: typeof input.as === "string" ? [] : ["a literal input needs 'as'"] };
  return checkSource(input.from, scope, name);
}

function checkSource(
  from: string,
  scope: Scope,
  name: string,
): { name: string; problems: string[] } {
  return { name, problems: referenceProblems(from, scope.names, scope.schemas) };
}

/** Problems with a `context:` / `conversation_history:` / `status` reference, as inputs and routers use them. */
function referenceProblems(
  from: string,
  names: Map<string, Dict>,
  schemas: Map<string, Dict>,
): string[] {
  const [target, rest = ""] = from.split(/:(.*)/s, 2) as [string, string?];
  if (target === "status") return [];
  if (target === "conversation_history")
    return names.has(rest) ? [] : [`input '${from}' names no component`];
  if (target !== "context")
    return [`input '${from}' must start with context:, conversation_history: or be status`];
  const [root, ...path] = rest.split(".");
  if (!root) return [`input '${from}' names no context key`];
  if (CONTEXT_ROOTS.has(root)) return [];
  const component = names.get(root);
  if (!component) return [`input '${from}' names neither a component nor a GitLab context key`];
  const [output, field] = path;
  const outputs =
    component.type === "DeterministicStepComponent"
      ? ["tool_responses", "execution_result"]
      : ["final_answer", "tool_responses"];
  if (!output || !outputs.includes(output))
    return [`input '${from}': '${root}' outputs ${outputs.join(" or ")}`];
  if (field === undefined) return [];
  const properties = schemaProperties(component, schemas);
  if (!properties)
    return [`input '${from}' reads a field of a final answer that has no inline response schema`];
  return properties.includes(field)
    ? []
    : [`input '${from}': the response schema of '${root}' has no field '${field}'`];
}

function schemaProperties(component: Dict, schemas: Map<string, Dict>): string[] | undefined {
  const schema = schemas.get(String(component.response_schema_id));
  return schema && isDict(schema.properties) ? Object.keys(schema.properties) : undefined;
}

function checkPromptText(prompt: Dict, inputs: Set<string>): string[] {
  const problems: string[] = [];
  const template = isDict(prompt.prompt_template) ? prompt.prompt_template : {};
  for (const [part, value] of Object.entries(template)) {
    const text = Array.isArray(value) ? value.join("\n") : String(value);
    for (const placeholder of placeholdersIn(text)) {
      if (!inputs.has(placeholder))
        problems.push(`prompt ${part}: placeholder {{${placeholder}}} is fed by no input`);
    }
    problems.push(...strayJinja(text).map((p) => `prompt ${part}: ${p}`));
    // A user prompt may fence several pieces of data (the request, job logs) in sections of one kind.
    const sections =
      part === "system"
        ? sectionProblems(text, SYSTEM_SECTIONS, { required: REQUIRED_SECTIONS })
        : sectionProblems(text, USER_SECTIONS, { repeatable: true });
    problems.push(...sections.map((p) => `prompt ${part}: ${p}`));
  }
  if (typeof template.system !== "string" || template.system.trim() === "")
    problems.push("prompt has no system text");
  return problems;
}

function checkRouting(flow: Dict, names: Map<string, Dict>, schemas: Map<string, Dict>): string[] {
  const problems: string[] = [];
  const routers = Array.isArray(flow.routers) ? flow.routers.filter(isDict) : [];
  const edges = new Map<string, string[]>();
  const target = (to: unknown, where: string): string | undefined => {
    if (typeof to !== "string") {
      problems.push(`${where}: a route target must be a component name or 'end'`);
      return undefined;
    }
    if (to !== "end" && !names.has(to))
      problems.push(`${where}: target '${to}' is not a component`);
    return to;
  };
  for (const router of routers) {
    const from = String(router.from);
    const where = `router from '${from}'`;
    if (!names.has(from)) problems.push(`${where}: '${from}' is not a component`);
    if (edges.has(from)) problems.push(`${where}: a component has one router; found a second`);
    const hasTo = router.to !== undefined;
    const hasCondition = router.condition !== undefined;
    if (hasTo === hasCondition) problems.push(`${where}: give exactly one of 'to' or 'condition'`);
    const targets: string[] = [];
    if (hasTo) {
      const t = target(router.to, where);
      if (t) targets.push(t);
    } else if (isDict(router.condition)) {
      const { input, routes } = router.condition;
      const inputFrom =
        typeof input === "string" ? input : isDict(input) ? String(input.from) : undefined;
      if (!inputFrom) problems.push(`${where}: condition needs an input`);
      if (!isDict(routes) || routes.default_route === undefined)
        problems.push(`${where}: condition routes need a default_route`);
      if (inputFrom)
        problems.push(...referenceProblems(inputFrom, names, schemas).map((p) => `${where}: ${p}`));
      const enumValues = inputFrom ? routeEnum(inputFrom, names, schemas) : undefined;
      for (const [key, to] of Object.entries(isDict(routes) ? routes : {})) {
        const t = target(to, `${where}, route '${key}'`);
        if (t) targets.push(t);
        if (enumValues && key !== "default_route" && !enumValues.includes(key)) {
          problems.push(
            `${where}: route '${key}' is not a value the response schema allows (${enumValues.join(", ")})`,
          );
        }
      }
    }
    edges.set(from, targets);
  }
  const entry = isDict(flow.flow) ? flow.flow.entry_point : undefined;
  if (typeof entry !== "string" || !names.has(entry)) {
    problems.push(`flow.entry_point '${String(entry)}' is not a component`);
    return problems;
  }
  for (const name of names.keys())
    if (!edges.has(name))
      problems.push(`component '${name}' has no router: the flow would stop there`);
  const reached = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  for (const name of names.keys())
    if (!reached.has(name))
      problems.push(`component '${name}' cannot be reached from the entry point '${entry}'`);
  if (!reached.has("end")) problems.push("no path from the entry point reaches 'end'");
  return problems;
}

function routeEnum(
  input: string,
  names: Map<string, Dict>,
  schemas: Map<string, Dict>,
): string[] | undefined {
  const match = /^context:([A-Za-z0-9_]+)\.final_answer\.([A-Za-z0-9_]+)$/.exec(input);
  if (!match) return undefined;
  const component = names.get(match[1]!);
  const schema = component ? schemas.get(String(component.response_schema_id)) : undefined;
  const property = schema && isDict(schema.properties) ? schema.properties[match[2]!] : undefined;
  return isDict(property) && Array.isArray(property.enum) ? property.enum.map(String) : undefined;
}

function lastSegment(from: string): string {
  const parts = from.split(/[:.]/);
  return parts[parts.length - 1] ?? from;
}
