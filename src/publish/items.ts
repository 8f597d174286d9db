/**
 * What `envsync publish` wants in the catalog, taken from the compiled flows: four flows (their YAML
 * as the definition) and the assistant as a chat agent (system prompt, user prompt, tool names).
 */
import { isDeepStrictEqual } from "node:util";
import jsYaml from "js-yaml";
import type { CompiledFlow } from "../compile/render.js";

export interface DesiredFlow {
  kind: "flow";
  name: string;
  description: string;
  /** The file without its generated header, so an EnvSync upgrade alone does not make a new version. */
  definition: string;
  parsed: unknown;
}

export interface DesiredAgent {
  kind: "agent";
  name: string;
  description: string;
  systemPrompt: string;
  userPrompt: string;
  tools: string[];
}

export type DesiredItem = DesiredFlow | DesiredAgent;

interface AgentDefinition {
  description?: string;
  components: { toolset?: string[] }[];
  prompts: { prompt_template: { system: string; user?: string } }[];
}

export function desiredItems(flows: readonly CompiledFlow[]): DesiredItem[] {
  return flows.map((flow): DesiredItem => {
    const { description: given } = flow.definition;
    const description = (typeof given === "string" ? given : flow.summary).trim();
    if (flow.definition.environment === "chat") {
      const agent = flow.definition as unknown as AgentDefinition;
      return {
        kind: "agent",
        name: flow.name,
        description,
        systemPrompt: agent.prompts[0]!.prompt_template.system,
        userPrompt: agent.prompts[0]!.prompt_template.user ?? "",
        tools: agent.components.flatMap((c) => c.toolset ?? []),
      };
    }
    return {
      kind: "flow",
      name: flow.name,
      description,
      definition: stripHeader(flow.content),
      parsed: flow.definition,
    };
  });
}

export function stripHeader(content: string): string {
  return content.replace(/^(#[^\n]*\n)+\n?/, "");
}

/** GitLab may store the definition re-serialized; compare what it means, not its bytes. */
export function sameFlowDefinition(
  remote: string | null | undefined,
  desired: DesiredFlow,
): boolean {
  if (!remote) return false;
  try {
    return isDeepStrictEqual(jsYaml.load(remote), desired.parsed);
  } catch {
    return false;
  }
}

/** The agent as text, for a readable diff. */
export function agentText(agent: {
  systemPrompt: string;
  userPrompt: string;
  tools: string[];
}): string {
  return `tools: ${[...agent.tools].sort().join(", ")}\n--- user prompt ---\n${agent.userPrompt}\n--- system prompt ---\n${agent.systemPrompt}`;
}
