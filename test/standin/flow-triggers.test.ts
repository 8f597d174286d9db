import { afterEach, describe, expect, it } from "vitest";
import { GitLabStandin, type StandinOptions } from "./server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

interface Answer {
  data?: Record<string, { errors?: string[]; aiFlowTrigger?: { id: string } | null } | null>;
  errors?: { message: string }[];
}

async function gql(query: string, variables: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${standin!.url}/api/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${standin!.token}` },
    body: JSON.stringify({ query, variables, operationName: "M" }),
  });
  return (await response.json()) as Answer;
}

const CREATE = `mutation M($input: AiFlowTriggerCreateInput!) {
  aiFlowTriggerCreate(input: $input) { errors aiFlowTrigger { id } }
}`;

/** A project with a flow enabled in its group (service account) and in the project. */
async function seeded(options: StandinOptions) {
  standin = await new GitLabStandin(options).start();
  const { state } = standin;
  const group = state.addGroup("acme");
  const project = state.addProject("acme/shop");
  const item = {
    id: state.id(),
    name: "envsync-pipeline-doctor",
    description: "d",
    itemType: "FLOW" as const,
    projectId: project.id,
    visibility: "PRIVATE" as const,
    versions: [],
  };
  state.items.push(item);
  const parent = { id: state.id(), itemId: item.id, groupId: group.id, triggerTypes: [] };
  state.consumers.push({ ...parent, serviceAccount: "ai-doctor-acme" });
  const consumer = {
    id: state.id(),
    itemId: item.id,
    projectId: project.id,
    parentId: parent.id,
    triggerTypes: [],
  };
  state.consumers.push(consumer);
  return {
    project,
    consumerGid: `gid://gitlab/Ai::Catalog::ItemConsumer/${consumer.id}`,
    userGid: `gid://gitlab/User/${parent.id + 5000}`,
  };
}

describe("the stand-in's flow triggers", () => {
  it("18.9: requires the service account, knows event types 0-3 only, has no filter", async () => {
    const { consumerGid, userGid } = await seeded({ visibility: false });
    const base = {
      projectPath: "acme/shop",
      description: "x",
      aiCatalogItemConsumerId: consumerGid,
    };
    const noUser = await gql(CREATE, { input: { ...base, eventTypes: [3] } });
    expect(noUser.errors![0]!.message).toMatch(
      /userId.*(required|null)|Expected value of type "UserID!"/i,
    );
    const conflict = await gql(CREATE, { input: { ...base, userId: userGid, eventTypes: [5] } });
    expect(conflict.data!.aiFlowTriggerCreate!.errors).toEqual([
      "Event types contains invalid event types: 5",
    ]);
    const filtered = await gql(CREATE, {
      input: { ...base, userId: userGid, eventTypes: [3], filter: {} },
    });
    expect(filtered.errors![0]!.message).toMatch(/filter/);
    const human = await gql(CREATE, {
      input: { ...base, userId: "gid://gitlab/User/1", eventTypes: [3] },
    });
    expect(human.data!.aiFlowTriggerCreate!.errors).toEqual([
      "User user must be a service account",
    ]);
    const ok = await gql(CREATE, { input: { ...base, userId: userGid, eventTypes: [3] } });
    expect(ok.data!.aiFlowTriggerCreate!.errors).toEqual([]);
    expect(standin!.state.flowTriggers).toHaveLength(1);
  });

  it("newer: refuses a user with a consumer, and a filter for an event it does not trigger on", async () => {
    const { consumerGid, userGid } = await seeded({});
    const base = {
      projectPath: "acme/shop",
      description: "x",
      aiCatalogItemConsumerId: consumerGid,
    };
    const withUser = await gql(CREATE, { input: { ...base, userId: userGid, eventTypes: [3] } });
    expect(withUser.data!.aiFlowTriggerCreate!.errors).toEqual(["User must be blank"]);
    const badKey = await gql(CREATE, {
      input: { ...base, eventTypes: [3], filter: { mention: { rules: [] } } },
    });
    expect(badKey.data!.aiFlowTriggerCreate!.errors).toEqual([
      "Filter contains filters for event types not in event_types: mention",
    ]);
    const badShape = await gql(CREATE, {
      input: { ...base, eventTypes: [3], filter: { pipeline_hooks: { rules: [{ field: 1 }] } } },
    });
    expect(badShape.data!.aiFlowTriggerCreate!.errors).toEqual([
      "Filter must be a valid json schema",
    ]);
    const none = await gql(CREATE, {
      input: { projectPath: "acme/shop", description: "", eventTypes: [] },
    });
    expect(none.data!.aiFlowTriggerCreate!.errors).toEqual([
      "User can't be blank, Event types can't be blank, Description can't be blank and Config path can't be blank",
    ]);
    const unknownProject = await gql(CREATE, {
      input: { ...base, projectPath: "acme/nope", eventTypes: [3] },
    });
    expect(unknownProject.errors![0]!.message).toMatch(
      /does not exist or you don't have permission/,
    );
  });

  it("18.9 with the flag fires on every status change, for a human's pipeline only", async () => {
    const { project, consumerGid, userGid } = await seeded({
      visibility: false,
      pipelineHooks: true,
    });
    await gql(CREATE, {
      input: {
        projectPath: "acme/shop",
        description: "x",
        aiCatalogItemConsumerId: consumerGid,
        userId: userGid,
        eventTypes: [3],
      },
    });
    const p = standin!.pipelineStatus(project.fullPath, { ref: "staging", status: "created" });
    standin!.pipelineStatus(project.fullPath, { id: p.id, ref: "staging", status: "running" });
    standin!.pipelineStatus(project.fullPath, { id: p.id, ref: "staging", status: "failed" });
    expect(
      standin!.state.flowStarts.map((s) => JSON.parse(s.goal).object_attributes.status),
    ).toEqual(["created", "running", "failed"]);
    expect(standin!.state.flowStarts[0]!.itemName).toBe("envsync-pipeline-doctor");
    standin!.pipelineStatus(project.fullPath, {
      ref: "staging",
      status: "failed",
      user: { id: 9, username: "project_1_bot", bot: true },
    });
    expect(standin!.state.flowStarts).toHaveLength(3);
  });

  it("18.9 without the flag (its default) fires nothing", async () => {
    const { project, consumerGid, userGid } = await seeded({ visibility: false });
    await gql(CREATE, {
      input: {
        projectPath: "acme/shop",
        description: "x",
        aiCatalogItemConsumerId: consumerGid,
        userId: userGid,
        eventTypes: [3],
      },
    });
    standin!.pipelineStatus(project.fullPath, { ref: "staging", status: "failed" });
    expect(standin!.state.flowStarts).toEqual([]);
  });

  it("newer fires only for a complete pipeline its filter allows", async () => {
    const { project, consumerGid } = await seeded({});
    const filter = {
      pipeline_hooks: {
        match: "all",
        rules: [
          { field: "object_attributes.status", operator: "eq", value: "failed" },
          { field: "object_attributes.ref", operator: "in", value: ["staging", "main"] },
        ],
      },
    };
    const created = await gql(CREATE, {
      input: {
        projectPath: "acme/shop",
        description: "x",
        aiCatalogItemConsumerId: consumerGid,
        eventTypes: [3],
        filter,
      },
    });
    expect(created.data!.aiFlowTriggerCreate!.errors).toEqual([]);
    const p = standin!.pipelineStatus(project.fullPath, { ref: "staging", status: "running" });
    standin!.pipelineStatus(project.fullPath, { id: p.id, ref: "staging", status: "failed" });
    standin!.pipelineStatus(project.fullPath, { ref: "staging", status: "success" });
    standin!.pipelineStatus(project.fullPath, { ref: "feature/x", status: "failed" });
    expect(standin!.state.flowStarts.map((s) => s.pipelineId)).toEqual([p.id]);
  });
});
