/**
 * The stand-in's flow triggers (`Ai::FlowTrigger`), as GitLab 18.9 and the newer GitLab (19.4) keep
 * and fire them: the GraphQL mutations `aiFlowTriggerCreate/Update/Delete` and `Project.
 * aiFlowTriggers` with the model's validations and GitLab's error texts, and the pipeline hook that
 * starts the flows. Sources (gitlab-org/gitlab, read through a copy):
 * - ee/app/models/ai/flow_trigger.rb: user present unless a consumer, absent with one (19.3+; 18.9
 *   requires it always, its mutation types `userId: UserID!`), a service account; description
 *   present, at most 255; event types present and known; exactly one of config path and consumer;
 *   the consumer in the same project and a flow; filter keys among the event types (newer).
 * - ee/app/services/ee/ci/pipelines/hook_service.rb: 18.9 fires on every status change of a pipeline
 *   that is not a flow's own workload, behind the flag `ai_flow_trigger_pipeline_hooks`; newer
 *   fires only when the pipeline is complete and not started by GitLab itself, and evaluates the
 *   trigger's filter.
 * - RunService: a flow is never started for a user that is not a human (a bot's pipeline).
 */
import { GraphQLError } from "graphql";
import type { GitLabVariant } from "./gitlab-schema.js";
import type { StandinFlowTrigger, StandinPipeline, StandinState } from "./state.js";

/** Ai::FlowTrigger::EVENT_TYPES: 0-3 in 18.9, 0-9 in the newer GitLab. */
export const EVENT_TYPES: Record<string, number> = {
  mention: 0,
  assign: 1,
  assign_reviewer: 2,
  pipeline_hooks: 3,
  merge_request_ready: 4,
  merge_request_code_conflict: 5,
  merge_request: 6,
  work_item: 7,
  commit_to_default_branch: 8,
  scheduled: 9,
};
const EVENT_NAMES = Object.fromEntries(Object.entries(EVENT_TYPES).map(([k, v]) => [v, k]));

/** Pipeline statuses Ci::HasStatus counts as complete. */
const COMPLETE = new Set(["success", "failed", "canceled", "skipped"]);
/** Enums::Ci::Pipeline.gitlab_controlled_sources (the newer hook skips them). */
const GITLAB_CONTROLLED = new Set([
  "webide",
  "ondemand_dast_scan",
  "ondemand_dast_validation",
  "security_orchestration_policy",
  "pipeline_execution_policy_schedule",
  "container_registry_push",
  "duo_workflow",
]);
const OPERATORS = new Set(["eq", "ne", "gt", "lt", "contains", "not_contains", "in", "not_in"]);
const MAX_FILTER_DEPTH = 5;
const NOT_AVAILABLE =
  "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

const gid = (type: string, id: number) => `gid://gitlab/${type}/${id}`;

function parseGid(value: unknown, type: string): number {
  const match =
    typeof value === "string" ? new RegExp(`^gid://gitlab/${type}/(\\d+)$`).exec(value) : null;
  if (!match) throw new GraphQLError(`${JSON.stringify(value)} is not a valid ID for ${type}.`);
  return Number(match[1]);
}

/** ActiveSupport's Array#to_sentence, as `errors.full_messages.to_sentence` joins them. */
function toSentence(parts: string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

export interface FlowTriggerOptions {
  variant: GitLabVariant;
  /** The flag `ai_flow_trigger_pipeline_hooks` for the top-level group. */
  pipelineHooks: boolean;
}

/** The service account a consumer's flows run as: its own (group) or its parent's (project). */
export function serviceAccountId(state: StandinState, consumerId: number): number | undefined {
  const consumer = state.consumers.find((c) => c.id === consumerId);
  if (!consumer) return undefined;
  if (consumer.serviceAccount) return consumer.id + 5000;
  const parent = state.consumers.find((c) => c.id === consumer.parentId);
  return parent?.serviceAccount ? parent.id + 5000 : undefined;
}

function serviceAccountName(state: StandinState, userId: number): string | undefined {
  return state.consumers.find((c) => c.id + 5000 === userId && c.serviceAccount)?.serviceAccount;
}

/** Why a filter does not match GitLab's filter JSON schema, if it does not. */
function filterProblem(filter: unknown): string | undefined {
  if (typeof filter !== "object" || filter === null || Array.isArray(filter))
    return "must be a valid json schema";
  if (JSON.stringify(filter).length > 8 * 1024) return "is too large (maximum is 8 KB)";
  const group = (value: unknown, depth: number): boolean => {
    if (depth > MAX_FILTER_DEPTH) return false;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const { match, rules, type, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || (type !== undefined && type !== "group")) return false;
    if (match !== undefined && match !== "all" && match !== "any") return false;
    if (!Array.isArray(rules)) return false;
    return rules.every((rule: unknown) => {
      if (typeof rule !== "object" || rule === null) return false;
      const r = rule as Record<string, unknown>;
      if (r.type === "group") return group(r, depth + 1);
      const keys = Object.keys(r).filter((k) => !["field", "operator", "value"].includes(k));
      return (
        keys.length === 0 &&
        typeof r.field === "string" &&
        typeof r.operator === "string" &&
        OPERATORS.has(r.operator)
      );
    });
  };
  return Object.values(filter).every((g) => group(g, 1))
    ? undefined
    : "must be a valid json schema";
}

function dig(data: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (at, key) =>
        at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined,
      data,
    );
}

/** Gitlab::FilterEvaluator: a group of rules, all or any, nested. */
export function filterAllows(group: unknown, data: unknown): boolean {
  const { match = "all", rules = [] } = group as { match?: string; rules?: unknown[] };
  const results = rules.map((rule) => {
    const r = rule as { type?: string; field: string; operator: string; value: unknown };
    if (r.type === "group") return filterAllows(r, data);
    const actual = dig(data, r.field);
    const list = Array.isArray(r.value) ? r.value : [r.value];
    switch (r.operator) {
      case "eq":
        return actual === r.value;
      case "ne":
        return actual !== r.value;
      case "gt":
        return Number(actual) > Number(r.value);
      case "lt":
        return Number(actual) < Number(r.value);
      case "contains":
        return String(actual ?? "").includes(String(r.value));
      case "not_contains":
        return !String(actual ?? "").includes(String(r.value));
      case "in":
        return list.includes(actual);
      case "not_in":
        return !list.includes(actual);
      default:
        return false;
    }
  });
  return match === "any" ? results.some(Boolean) : results.every(Boolean);
}

export function flowTriggerRoot(state: StandinState, options: FlowTriggerOptions) {
  const newer = options.variant === "newer";
  const known = new Set(
    Object.values(EVENT_TYPES).filter((v) => newer || v <= EVENT_TYPES.pipeline_hooks!),
  );
  const now = () =>
    new Date(Date.UTC(2026, 10, 24, 13, 0, state.flowTriggers.length)).toISOString();

  /** The model's validations, in its order; the messages `full_messages` gives. */
  const validate = (t: StandinFlowTrigger): string[] => {
    const errors: string[] = [];
    const consumer =
      t.consumerId !== undefined ? state.consumers.find((c) => c.id === t.consumerId) : undefined;
    if (t.consumerId !== undefined && !consumer) errors.push("Ai catalog item consumer not found");
    if (t.userId === undefined && (!consumer || !newer)) errors.push("User can't be blank");
    if (t.userId !== undefined && consumer && newer) errors.push("User must be blank");
    if (t.eventTypes.length === 0) errors.push("Event types can't be blank");
    if (!t.description) errors.push("Description can't be blank");
    else if (t.description.length > 255)
      errors.push("Description is too long (maximum is 255 characters)");
    if (!consumer && !t.configPath) errors.push("Config path can't be blank");
    if (newer && t.filter !== undefined) {
      const problem = filterProblem(t.filter);
      if (problem) errors.push(`Filter ${problem}`);
    }
    const invalid = t.eventTypes.filter((e) => !known.has(e));
    if (invalid.length > 0)
      errors.push(`Event types contains invalid event types: ${invalid.join(", ")}`);
    if (newer && t.filter && typeof t.filter === "object") {
      const names = t.eventTypes.map((e) => EVENT_NAMES[e]).filter(Boolean);
      const extra = Object.keys(t.filter).filter((k) => !names.includes(k));
      if (extra.length > 0)
        errors.push(
          `Filter contains filters for event types not in event_types: ${extra.join(", ")}`,
        );
    }
    if (t.userId !== undefined && !serviceAccountName(state, t.userId))
      errors.push("User user must be a service account");
    if (consumer && t.configPath)
      errors.push("Exactly one of config_path, ai_catalog_item_consumer must be present");
    if (consumer) {
      if (consumer.projectId !== t.projectId)
        errors.push("ai_catalog_item_consumer project does not match project");
      const item = state.items.find((i) => i.id === consumer.itemId);
      if (item?.itemType !== "FLOW") errors.push("ai_catalog_item_consumer is not a flow");
      if (serviceAccountId(state, consumer.id) === undefined)
        errors.push("Ai catalog item consumer must have an active service account");
    }
    return errors;
  };

  const view = (t: StandinFlowTrigger) => {
    const consumer = state.consumers.find((c) => c.id === t.consumerId);
    const item = consumer && state.items.find((i) => i.id === consumer.itemId);
    const project = state.project(t.projectId)!;
    return {
      id: gid("Ai::FlowTrigger", t.id),
      active: t.active,
      description: t.description,
      eventTypes: t.eventTypes,
      configPath: t.configPath ?? null,
      configUrl: null,
      aiCatalogItemConsumer: consumer
        ? {
            id: gid("Ai::Catalog::ItemConsumer", consumer.id),
            item: item
              ? {
                  __typename: item.itemType === "FLOW" ? "AiCatalogFlow" : "AiCatalogAgent",
                  id: gid("Ai::Catalog::Item", item.id),
                  name: item.name,
                  description: item.description,
                }
              : null,
            serviceAccount: null,
          }
        : null,
      project: { id: gid("Project", project.id), webUrl: null },
      user:
        t.userId !== undefined
          ? { id: gid("User", t.userId), username: serviceAccountName(state, t.userId) ?? "" }
          : null,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      filter: t.filter ?? null,
      precondition: null,
    };
  };

  /** The fields a create or update sets, from its input. */
  const fields = (input: Record<string, unknown>): Partial<StandinFlowTrigger> => ({
    ...(input.userId !== undefined
      ? { userId: input.userId === null ? undefined : parseGid(input.userId, "User") }
      : {}),
    ...(input.description !== undefined ? { description: String(input.description) } : {}),
    ...(input.eventTypes !== undefined ? { eventTypes: input.eventTypes as number[] } : {}),
    ...(input.configPath !== undefined
      ? { configPath: (input.configPath as string | null) ?? undefined }
      : {}),
    ...(input.aiCatalogItemConsumerId !== undefined
      ? {
          consumerId:
            input.aiCatalogItemConsumerId === null
              ? undefined
              : parseGid(input.aiCatalogItemConsumerId, "Ai::Catalog::ItemConsumer"),
        }
      : {}),
    ...(input.filter !== undefined
      ? { filter: (input.filter as Record<string, unknown> | null) ?? undefined }
      : {}),
    ...(input.active !== undefined ? { active: input.active !== false } : {}),
  });

  const find = (id: unknown) => {
    const trigger = state.flowTriggers.find((t) => t.id === parseGid(id, "Ai::FlowTrigger"));
    if (!trigger) throw new GraphQLError(NOT_AVAILABLE);
    return trigger;
  };

  return {
    /** Project.aiFlowTriggers(ids, first, after) for the project `projectId`. */
    projectTriggers:
      (projectId: number, pageSize: number) =>
      (args: { ids?: string[]; first?: number; after?: string }) => {
        const ids = args.ids?.map((id) => parseGid(id, "Ai::FlowTrigger"));
        const all = state.flowTriggers
          .filter((t) => t.projectId === projectId && (!ids || ids.includes(t.id)))
          .map(view);
        const start = args.after ? Number(Buffer.from(args.after, "base64").toString()) : 0;
        const nodes = all.slice(start, start + Math.min(args.first ?? 20, pageSize));
        const end = start + nodes.length;
        return {
          count: all.length,
          nodes,
          edges: nodes.map((node) => ({ cursor: node.id, node })),
          pageInfo: {
            hasNextPage: end < all.length,
            hasPreviousPage: start > 0,
            startCursor: Buffer.from(String(start)).toString("base64"),
            endCursor: Buffer.from(String(end)).toString("base64"),
          },
        };
      },
    aiFlowTriggerCreate: ({ input }: { input: Record<string, unknown> }) => {
      const project = state.project(String(input.projectPath));
      if (!project) throw new GraphQLError(NOT_AVAILABLE);
      const trigger: StandinFlowTrigger = {
        id: state.id(),
        projectId: project.id,
        description: "",
        eventTypes: [],
        active: true,
        createdAt: now(),
        updatedAt: now(),
        ...fields(input),
      };
      const errors = validate(trigger);
      if (errors.length > 0) return { errors: [toSentence(errors)], aiFlowTrigger: null };
      state.flowTriggers.push(trigger);
      return { errors: [], aiFlowTrigger: view(trigger) };
    },
    aiFlowTriggerUpdate: ({ input }: { input: Record<string, unknown> }) => {
      const trigger = find(input.id);
      const changed: StandinFlowTrigger = { ...trigger, ...fields(input), updatedAt: now() };
      const errors = validate(changed);
      if (errors.length > 0) return { errors: [toSentence(errors)], aiFlowTrigger: null };
      Object.assign(trigger, changed);
      return { errors: [], aiFlowTrigger: view(trigger) };
    },
    aiFlowTriggerDelete: ({ input }: { input: Record<string, unknown> }) => {
      const trigger = find(input.id);
      state.flowTriggers.splice(state.flowTriggers.indexOf(trigger), 1);
      return { errors: [] };
    },
  };
}

/** Gitlab::DataBuilder::Pipeline's webhook JSON, the goal a pipeline trigger gives its flow. */
export function pipelineHookData(state: StandinState, pipeline: StandinPipeline, baseUrl: string) {
  const project = state.project(pipeline.projectId)!;
  return {
    object_kind: "pipeline",
    object_attributes: {
      id: pipeline.id,
      iid: pipeline.iid,
      ref: pipeline.ref,
      tag: false,
      sha: pipeline.sha,
      source: pipeline.source ?? "push",
      status: pipeline.status.toLowerCase(),
      default_branch: pipeline.ref === project.defaultBranch,
      created_at: pipeline.createdAt,
      url: `${baseUrl}/${project.fullPath}/-/pipelines/${pipeline.id}`,
    },
    merge_request: null,
    user: pipeline.user
      ? { id: pipeline.user.id, username: pipeline.user.username, name: pipeline.user.username }
      : null,
    project: {
      id: project.id,
      name: project.fullPath.split("/").pop(),
      path_with_namespace: project.fullPath,
      default_branch: project.defaultBranch,
      web_url: `${baseUrl}/${project.fullPath}`,
    },
    builds: state.jobs
      .filter((j) => j.projectId === project.id && j.pipelineId === pipeline.id)
      .map((j) => ({
        id: j.id,
        stage: j.stage,
        name: j.name,
        status: j.status,
        allow_failure: Boolean(j.allowFailure),
      })),
  };
}

/**
 * What GitLab does when a pipeline's status changes: every trigger of the project with
 * `pipeline_hooks` that the version lets fire starts its flow with the webhook JSON as the goal.
 */
export function firePipelineHooks(
  state: StandinState,
  pipeline: StandinPipeline,
  options: FlowTriggerOptions & { baseUrl: string },
): void {
  if (!options.pipelineHooks) return;
  const newer = options.variant === "newer";
  const source = pipeline.source ?? "push";
  if (newer ? GITLAB_CONTROLLED.has(source) : source === "duo_workflow") return;
  if (newer && !COMPLETE.has(pipeline.status.toLowerCase())) return;
  const data = pipelineHookData(state, pipeline, options.baseUrl);
  for (const trigger of state.flowTriggers) {
    if (trigger.projectId !== pipeline.projectId) continue;
    if (!trigger.eventTypes.includes(EVENT_TYPES.pipeline_hooks!)) continue;
    if (newer && !trigger.active) continue;
    const group = newer ? trigger.filter?.pipeline_hooks : undefined;
    if (group !== undefined && !filterAllows(group, data)) continue;
    // RunService: "cannot be triggered by non-human users".
    if (!pipeline.user || pipeline.user.bot) continue;
    const consumer = state.consumers.find((c) => c.id === trigger.consumerId);
    const item = consumer && state.items.find((i) => i.id === consumer.itemId);
    state.flowStarts.push({
      triggerId: trigger.id,
      ...(consumer ? { consumerId: consumer.id } : {}),
      ...(item ? { itemName: item.name } : {}),
      projectId: pipeline.projectId,
      event: "pipeline_hooks",
      pipelineId: pipeline.id,
      goal: JSON.stringify(data),
    });
  }
}
