/**
 * `envsync publish`, second half: GitLab's native flow triggers, reconciled with what envsync.yaml
 * declares (`triggers:`) in every enabled project. EnvSync owns only the triggers whose description
 * it wrote; it creates what is missing, updates what differs, deletes its own that are no longer
 * declared, and leaves every other trigger alone (one GitLab made when the flow was enabled with
 * trigger types counts for the events it covers).
 *
 * The form follows the instance (facts from GitLab's source, ee/app/models/ai/flow_trigger.rb and
 * the flow trigger mutations): 18.9 requires the flow's service account as the trigger's user and
 * has no filter; 19.0 takes a filter; 19.3 refuses a user on a trigger that points at a flow. The
 * version decides first; GitLab's answer corrects it (a refused user, an unknown filter argument).
 */
import { environmentsOf } from "../config/resolve.js";
import { isDeepStrictEqual } from "node:util";
import type { ResolvedConfig } from "../config/types.js";
import { EnvsyncError } from "../errors.js";
import { GitLabError } from "../gitlab/errors.js";
import {
  atLeast,
  OWNED_MARK,
  ownedDescription,
  PIPELINE_HOOKS_UNFLAGGED,
  type FlowTriggerApi,
  type GitLabVersion,
} from "../gitlab/flow-triggers.js";
import type { FlowTriggerNode } from "../gitlab/queries.js";
import type { CatalogApi } from "../gitlab/catalog.js";

/** Ai::FlowTrigger::EVENT_TYPES, and the GitLab version that first knows each. */
const EVENTS = {
  mention: { type: 0, since: [18, 3] },
  assign: { type: 1, since: [18, 5] },
  assign_reviewer: { type: 2, since: [18, 5] },
  pipeline_hooks: { type: 3, since: [18, 9] },
  merge_request_code_conflict: { type: 5, since: [19, 1] },
  commit_to_default_branch: { type: 8, since: [19, 3] },
  scheduled: { type: 9, since: [19, 4] },
} as const satisfies Record<string, { type: number; since: GitLabVersion }>;
export type GitLabEvent = keyof typeof EVENTS;
const EVENT_BY_TYPE = new Map<number, string>(
  Object.entries(EVENTS).map(([name, e]) => [e.type, name]),
);

/** `filter` on create (19.0; on update since 18.11). */
const FILTER_SINCE: GitLabVersion = [19, 0];
/** A trigger that points at a flow must have no user from 19.3. */
const NO_USER_SINCE: GitLabVersion = [19, 3];

export type FlowKey = "core" | "pipeline-doctor" | "conflict-resolver" | "drift-check";

export type TriggerStatus =
  | "created"
  | "updated"
  | "unchanged"
  | "deleted"
  | "would create"
  | "would update"
  | "would delete"
  | "covered"
  | "refused"
  | "bridge only"
  | "failed";

export interface TriggerResult {
  project: string;
  /** A FlowKey, or the item name of a stale trigger of EnvSync's. */
  flow: string;
  /** GitLab's event names. */
  events: string[];
  status: TriggerStatus;
  /** GitLab filters the events (else the flow checks each one and stops at once). */
  filtered: boolean;
  /** A trigger that starts the flow is in place and runs without a flag EnvSync cannot see. */
  active: boolean;
  /** The flow's CI bridge (the pipeline doctor's on_failure job, the drift schedule) is needed. */
  bridge: boolean;
  id?: string;
  note?: string;
  hint?: string;
}

interface Declared {
  flow: FlowKey;
  item: string;
  events: GitLabEvent[];
  /** The filter GitLab should apply, for a project's environment branches. */
  filter?: (branches: string[]) => Record<string, unknown>;
  /** The flow has a CI bridge that can start it instead. */
  hasBridge: boolean;
}

/** What envsync.yaml declares, flow by flow. */
export function declaredTriggers(config: ResolvedConfig): Declared[] {
  const prefix = config.catalog.name_prefix;
  const t = config.triggers;
  const declared: Declared[] = [
    { flow: "core", item: `${prefix}-core`, events: [...t.core], hasBridge: false },
  ];
  if (config.pipeline_doctor.enabled && t.pipeline_doctor.includes("failed_pipeline"))
    declared.push({
      flow: "pipeline-doctor",
      item: `${prefix}-pipeline-doctor`,
      events: ["pipeline_hooks"],
      filter: (branches) => ({
        pipeline_hooks: {
          match: "all",
          rules: [
            { field: "object_attributes.status", operator: "eq", value: "failed" },
            { field: "object_attributes.ref", operator: "in", value: branches },
          ],
        },
      }),
      hasBridge: true,
    });
  if (t.conflict_resolver.includes("merge_request_conflict"))
    declared.push({
      flow: "conflict-resolver",
      item: `${prefix}-conflict-resolver`,
      events: ["merge_request_code_conflict"],
      hasBridge: false,
    });
  return declared;
}

const isOwned = (t: FlowTriggerNode) => t.description.endsWith(OWNED_MARK);

export interface TriggerContext {
  api: FlowTriggerApi;
  version: GitLabVersion;
  dryRun: boolean;
  progress: (line: string) => void;
  /** The project's consumers (flows enabled in it), by item name; the service account's id. */
  consumers: (
    projectPath: string,
  ) => Promise<Map<string, { id: string; serviceAccountId?: string }>>;
}

/** How this GitLab takes a trigger; corrected by what GitLab answers. */
interface Form {
  user: boolean;
  filter: boolean;
}

export async function reconcileTriggers(
  config: ResolvedConfig,
  projects: readonly string[],
  ctx: TriggerContext,
): Promise<TriggerResult[]> {
  const declared = declaredTriggers(config);
  const form: Form = {
    user: !atLeast(ctx.version, NO_USER_SINCE),
    filter: atLeast(ctx.version, FILTER_SINCE),
  };
  const results: TriggerResult[] = [];
  for (const path of projects) {
    const branches = environmentsOf(config, path).map((e) => e.branch);
    let remote: FlowTriggerNode[] | undefined;
    try {
      remote = await ctx.api.list(path, form.filter).catch((error: unknown) => {
        // A GitLab older than its version says (a backport, a renamed field) answers the filter
        // field as unknown: read without it, and write without it too.
        if (!(error instanceof GitLabError) || !form.filter || !/filter/i.test(error.message))
          throw error;
        form.filter = false;
        return ctx.api.list(path, false);
      });
    } catch (error) {
      if (!(error instanceof EnvsyncError)) throw error;
      // A GitLab without flow triggers at all (before 18.3) does not know the field.
      if (!(
        error instanceof GitLabError &&
        /aiFlowTriggers/.test(error.message) &&
        /exist/.test(error.message)
      )) {
        for (const d of declared)
          results.push(failed(path, d, error, "GitLab's triggers could not be read"));
        continue;
      }
      remote = undefined;
    }
    if (!remote) {
      for (const d of declared) results.push(unavailable(path, d));
      continue;
    }
    const consumers = await ctx.consumers(path);
    const claimed = new Set<string>();
    for (const d of declared) {
      const result = await reconcileFlow(path, d, branches, remote, consumers, form, ctx);
      for (const id of result.claimed) claimed.add(id);
      results.push(result.result);
      ctx.progress(`trigger ${d.flow} in ${path}: ${result.result.status}`);
    }
    // EnvSync's own triggers that nothing declares any more.
    for (const stale of remote.filter((t) => isOwned(t) && !claimed.has(t.id))) {
      const flow = stale.description.slice(0, stale.description.indexOf(":"));
      const result: TriggerResult = {
        project: path,
        flow,
        events: eventNames(stale.eventTypes),
        status: ctx.dryRun ? "would delete" : "deleted",
        filtered: false,
        active: false,
        bridge: false,
        id: stale.id,
      };
      if (!ctx.dryRun) await ctx.api.delete(stale.id);
      results.push(result);
      ctx.progress(`trigger ${flow} in ${path}: ${result.status}`);
    }
  }
  results.push(
    ...projects.map((project): TriggerResult => ({
      project,
      flow: "drift-check",
      events: config.triggers.drift_check,
      status: "bridge only",
      filtered: false,
      active: false,
      bridge: config.triggers.drift_check.length > 0,
      note:
        "the drift check is a CI job, not a catalog flow: GitLab's schedule and commit " +
        "triggers start flows, so it keeps its pipeline schedule",
    })),
  );
  return results;
}

function eventNames(types: readonly number[]): string[] {
  return types.map((t) => EVENT_BY_TYPE.get(t) ?? String(t));
}

function failed(path: string, d: Declared, error: EnvsyncError, what: string): TriggerResult {
  return {
    project: path,
    flow: d.flow,
    events: d.events,
    status: "failed",
    filtered: false,
    active: false,
    bridge: d.hasBridge,
    note: `${what}: ${error.message}`,
    ...(error.hint ? { hint: error.hint } : {}),
  };
}

async function reconcileFlow(
  path: string,
  d: Declared,
  branches: string[],
  remote: FlowTriggerNode[],
  consumers: Map<string, { id: string; serviceAccountId?: string }>,
  form: Form,
  ctx: TriggerContext,
): Promise<{ result: TriggerResult; claimed: string[] }> {
  const description = ownedDescription(d.item);
  const mine = remote.filter((t) => t.description === description);
  const claimed = mine.map((t) => t.id);
  const base = { project: path, flow: d.flow, events: d.events, bridge: d.hasBridge };
  const tooNew = d.events.filter((e) => !atLeast(ctx.version, EVENTS[e].since));
  if (tooNew.length > 0) {
    const since = EVENTS[tooNew[0]!].since.join(".");
    // A trigger GitLab would refuse is not tried; one of EnvSync's left from before goes.
    if (!ctx.dryRun) for (const t of mine) await ctx.api.delete(t.id);
    return { result: refused(base, ctx.version, tooNew, since, d), claimed };
  }
  const consumer = consumers.get(d.item);
  if (!consumer) {
    return {
      result: {
        ...base,
        status: ctx.dryRun ? "would create" : "failed",
        filtered: false,
        active: false,
        ...(ctx.dryRun
          ? { note: `once ${d.item} is enabled in ${path}` }
          : {
              note: `${d.item} is not enabled in ${path}, so no trigger can start it`,
              hint: "see the item's error above, fix it and publish again",
            }),
      },
      claimed,
    };
  }
  // A trigger EnvSync did not write (GitLab's, made when the flow was enabled with trigger types,
  // or a person's) covers its events: a second one would start the flow twice.
  const foreign = new Set<number>(
    remote
      .filter((t) => !isOwned(t) && t.aiCatalogItemConsumer?.id === consumer.id)
      .flatMap((t) => t.eventTypes),
  );
  const wanted = d.events.filter((e) => !foreign.has(EVENTS[e].type));
  const pipeline = d.events.includes("pipeline_hooks");
  const active = !pipeline || atLeast(ctx.version, PIPELINE_HOOKS_UNFLAGGED);
  const note = pipeline && !active ? PIPELINE_FLAG_NOTE : undefined;
  if (wanted.length === 0) {
    if (!ctx.dryRun) for (const t of mine) await ctx.api.delete(t.id);
    return {
      result: {
        ...base,
        status: "covered",
        filtered: false,
        active,
        bridge: d.hasBridge && !active,
        note: "a trigger EnvSync did not write already starts it",
      },
      claimed,
    };
  }
  const filter = d.filter && form.filter ? d.filter(branches) : undefined;
  const input = (withUser: boolean, withFilter: boolean) => ({
    description,
    eventTypes: wanted.map((e) => EVENTS[e].type),
    aiCatalogItemConsumerId: consumer.id,
    ...(withUser && consumer.serviceAccountId ? { userId: consumer.serviceAccountId } : {}),
    ...(withFilter && filter ? { filter } : {}),
  });
  const [current, ...extra] = mine;
  const desired = input(form.user, form.filter);
  const same =
    current &&
    isDeepStrictEqual(
      [...current.eventTypes].sort((a, b) => a - b),
      [...desired.eventTypes].sort((a, b) => a - b),
    ) &&
    current.aiCatalogItemConsumer?.id === consumer.id &&
    (current.user?.id ?? undefined) === ("userId" in desired ? desired.userId : undefined) &&
    (!form.filter || isDeepStrictEqual(current.filter ?? undefined, filter));
  let status: TriggerStatus;
  let id = current?.id;
  try {
    if (same) status = "unchanged";
    else if (ctx.dryRun) status = current ? "would update" : "would create";
    else if (current) {
      await withForm(form, (u, f) => ctx.api.update({ id: current.id, ...input(u, f) }));
      status = "updated";
    } else {
      id = await withForm(form, (u, f) => ctx.api.create({ projectPath: path, ...input(u, f) }));
      status = "created";
    }
    if (!ctx.dryRun) for (const t of extra) await ctx.api.delete(t.id);
  } catch (error) {
    if (!(error instanceof GitLabError)) throw error;
    if (/invalid event types/i.test(error.message))
      return { result: refused(base, ctx.version, wanted, undefined, d), claimed };
    return { result: failed(path, d, error, "GitLab refused the trigger"), claimed };
  }
  return {
    result: {
      ...base,
      events: wanted,
      status,
      filtered: Boolean(d.filter && form.filter),
      active,
      bridge: d.hasBridge && !active,
      ...(id ? { id } : {}),
      ...(note ? { note } : {}),
    },
    claimed,
  };
}

/** GitLab offers no flow triggers in the project: the flows keep their bridges and mentions. */
function unavailable(path: string, d: Declared): TriggerResult {
  return {
    project: path,
    flow: d.flow,
    events: d.events,
    status: "refused",
    filtered: false,
    active: false,
    bridge: d.hasBridge,
    note: `GitLab offers no flow triggers in ${path}`,
    hint:
      "flow triggers need GitLab 18.3+ with the ai_flow_triggers feature and a Maintainer's " +
      "token; until then the flow keeps its CI bridge (`envsync ci --write`) and its mentions",
  };
}

const PIPELINE_FLAG_NOTE =
  "GitLab before 19.0 runs pipeline triggers only when the ai_flow_trigger_pipeline_hooks " +
  "feature flag is on for the top-level group (off by default), which EnvSync cannot see: the " +
  "CI bridge stays, and a pipeline both start gets one diagnosis";

function refused(
  base: Pick<TriggerResult, "project" | "flow" | "events" | "bridge">,
  version: GitLabVersion,
  events: readonly string[],
  since: string | undefined,
  d: Declared,
): TriggerResult {
  return {
    ...base,
    status: "refused",
    filtered: false,
    active: false,
    note: `GitLab ${version.join(".")} has no ${events.join(", ")} trigger${since ? ` (it needs ${since})` : ""}`,
    hint: d.hasBridge
      ? "the flow keeps its CI bridge (`envsync ci --write`); upgrade GitLab for the native trigger"
      : `upgrade GitLab for the native trigger, or set triggers.${d.flow.replace("-", "_")}: [] in envsync.yaml`,
  };
}

/**
 * Runs a write in the current form, and once more in the other form when GitLab's answer says the
 * form is wrong: a user where it wants none (19.3+), none where it requires one (18.9), or a filter
 * it does not know. The form learnt holds for the rest of the run.
 */
async function withForm<T>(form: Form, write: (user: boolean, filter: boolean) => Promise<T>) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write(form.user, form.filter);
    } catch (error) {
      if (!(error instanceof GitLabError) || attempt >= 2) throw error;
      const message = error.message;
      if (form.user && /User must be blank/.test(message)) form.user = false;
      else if (!form.user && /User can't be blank|userId/.test(message)) form.user = true;
      else if (form.filter && /filter/i.test(message) && /not defined|argument/i.test(message))
        form.filter = false;
      else throw error;
    }
  }
}

/** The triggers part of `envsync publish`: after the items are published and enabled. */
export async function publishTriggers(
  config: ResolvedConfig,
  projects: readonly string[],
  apis: { catalog: CatalogApi; triggers: FlowTriggerApi },
  options: { dryRun: boolean; group: string; onProgress?: (line: string) => void },
): Promise<TriggerResult[]> {
  const version = await apis.catalog.version();
  const groupGid = await apis.catalog.groupGid(options.group);
  // Read now, not before publishing: the consumers enabling made this run are wanted too.
  const serviceAccounts = new Map(
    (await apis.catalog.configuredItems({ groupId: groupGid })).map((c) => [
      c.item?.name,
      c.serviceAccount?.id,
    ]),
  );
  return reconcileTriggers(config, projects, {
    api: apis.triggers,
    version,
    dryRun: options.dryRun,
    progress: options.onProgress ?? (() => undefined),
    consumers: async (path) => {
      const projectGid = await apis.catalog.projectGid(path);
      const consumers = await apis.catalog.configuredItems({ projectId: projectGid });
      return new Map(
        consumers
          .filter((c) => c.item)
          .map((c) => {
            const serviceAccountId = serviceAccounts.get(c.item!.name);
            return [c.item!.name, { id: c.id, ...(serviceAccountId ? { serviceAccountId } : {}) }];
          }),
      );
    },
  });
}
