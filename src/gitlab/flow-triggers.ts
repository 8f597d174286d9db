/**
 * GitLab's flow triggers (`Ai::FlowTrigger`) over GraphQL: a project's triggers, and create,
 * update and delete. What each GitLab version takes is decided by the caller (publish/triggers.ts);
 * this module only sends and reads. Shapes: ./queries.ts.
 */
import type { GitLab } from "./access.js";
import { allPages, assertNoPayloadErrors } from "./graphql.js";
import {
  FLOW_TRIGGERS,
  FLOW_TRIGGERS_FILTERED,
  TRIGGER_CREATE,
  TRIGGER_DELETE,
  TRIGGER_UPDATE,
  type FlowTriggerNode,
} from "./queries.js";
import { GitLabError } from "./errors.js";

export type { FlowTriggerNode };

/** A GitLab version as [major, minor]. */
export type GitLabVersion = readonly [number, number];

/** The end of every description EnvSync writes: how it knows its own triggers. */
export const OWNED_MARK = "(managed by envsync publish)";

/** The description of EnvSync's trigger for a catalog item. */
export function ownedDescription(item: string): string {
  return `${item}: started by GitLab ${OWNED_MARK}`;
}

/**
 * Before 19.0, GitLab runs pipeline triggers only with the flag `ai_flow_trigger_pipeline_hooks`
 * (off by default), which a token cannot read: the CI bridge stays until then.
 */
export const PIPELINE_HOOKS_UNFLAGGED: GitLabVersion = [19, 0];

export function atLeast(version: GitLabVersion, since: GitLabVersion): boolean {
  return version[0] > since[0] || (version[0] === since[0] && version[1] >= since[1]);
}

export class FlowTriggerApi {
  constructor(private readonly gitlab: Pick<GitLab, "graphql">) {}

  /**
   * Every trigger of the project; with `filter`, each one's filter too (GitLab 18.11+). Undefined
   * when GitLab offers no flow triggers there (the field answers null: the `ai_flow_triggers`
   * feature is off, or the user may not manage them).
   */
  async list(path: string, filter: boolean): Promise<FlowTriggerNode[] | undefined> {
    let unavailable = false;
    const nodes = await allPages("aiFlowTriggers", async (after) => {
      const data = await this.gitlab.graphql.run(filter ? FLOW_TRIGGERS_FILTERED : FLOW_TRIGGERS, {
        path,
        after,
      });
      if (!data.project)
        throw new GitLabError(`GraphQL aiFlowTriggers: project ${path} not found`, {
          status: 200,
          method: "POST",
          path: "/api/graphql",
        });
      if (!data.project.aiFlowTriggers) unavailable = true;
      return data.project.aiFlowTriggers;
    });
    return unavailable ? undefined : nodes;
  }

  async create(input: Record<string, unknown>): Promise<string> {
    const data = await this.gitlab.graphql.run(TRIGGER_CREATE, { input });
    assertNoPayloadErrors("aiFlowTriggerCreate", data.aiFlowTriggerCreate);
    const id = data.aiFlowTriggerCreate?.aiFlowTrigger?.id;
    if (!id)
      throw new GitLabError("aiFlowTriggerCreate returned no trigger", {
        status: 200,
        method: "POST",
        path: "/api/graphql",
      });
    return id;
  }

  async update(input: Record<string, unknown>): Promise<void> {
    const data = await this.gitlab.graphql.run(TRIGGER_UPDATE, { input });
    assertNoPayloadErrors("aiFlowTriggerUpdate", data.aiFlowTriggerUpdate);
  }

  async delete(id: string): Promise<void> {
    const data = await this.gitlab.graphql.run(TRIGGER_DELETE, { input: { id } });
    assertNoPayloadErrors("aiFlowTriggerDelete", data.aiFlowTriggerDelete);
  }
}
