/**
 * `envsync publish` as a plan-and-apply over the AI Catalog. Every write is preceded by a read of
 * what exists, so a run that stopped half-way is finished by the next one without duplicates.
 */
import semver from "semver";
import type { ResolvedConfig } from "../config/types.js";
import { EnvsyncError, type ErrorCode } from "../errors.js";
import type { CatalogApi, VisibilityField } from "../gitlab/catalog.js";
import { GitLabError } from "../gitlab/errors.js";
import type { CatalogItemNode } from "../gitlab/queries.js";
import { agentText, sameFlowDefinition, type DesiredAgent, type DesiredItem } from "./items.js";

export type ItemStatus =
  "created" | "updated" | "unchanged" | "would create" | "would update" | "not compared" | "failed";
export type ConsumerStatus =
  "created" | "exists" | "would create" | "not compared" | "skipped" | "failed";

export interface ConsumerResult {
  target: string;
  status: ConsumerStatus;
}

export interface ItemResult {
  name: string;
  kind: "flow" | "agent";
  status: ItemStatus;
  id?: string;
  /** Unified diff of the definition (created, updated, or would be). */
  diff?: string;
  consumers: ConsumerResult[];
  /** The service account users @mention; known once the item is enabled in the group. */
  serviceAccount?: string;
  error?: string;
}

export interface PublishOptions {
  dryRun: boolean;
  /** Target version X.Y.Z; the bump (MAJOR, MINOR, PATCH) is derived from the item's latest version. */
  version?: string;
  onProgress?: (line: string) => void;
  diff: (name: string, before: string, after: string) => string;
}

export interface PublishTargets {
  ownerProject: string;
  group: string;
  projects: string[];
}

export function publishTargets(config: ResolvedConfig): PublishTargets {
  const missing = [
    !config.catalog.project && "catalog.project",
    !config.catalog.group && "catalog.group",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new EnvsyncError(
      "catalog-not-configured",
      `envsync.yaml has no ${missing.join(" or ")}`,
      {
        hint: "set catalog.project (the project that owns the items) and catalog.group (where they are enabled)",
      },
    );
  }
  const projects = [
    ...new Set(
      [config.project, ...config.projects.map((p) => p.path)].filter((p): p is string =>
        Boolean(p),
      ),
    ),
  ];
  return { ownerProject: config.catalog.project!, group: config.catalog.group!, projects };
}

/** A `--release` that is not a version is refused before anything is read. */
export function checkRelease(version: string | undefined): void {
  if (version && !semver.valid(version))
    throw new EnvsyncError("bad-version", `--release '${version}' is not a version like 1.2.3`);
}

/**
 * Failures that mean the catalog could not be asked at all, rather than that it answered: no
 * token, GitLab not reached (a host that does not resolve, no answer, no network), or the token
 * refused. A dry run then still has the local build to show.
 */
const CATALOG_NOT_ASKED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "gitlab-no-token",
  "gitlab-unreachable",
  "gitlab-unauthorized",
  "gitlab-forbidden",
]);

/** Why the catalog could not be compared with, when `error` is such a failure. */
export function catalogNotAsked(error: unknown): EnvsyncError | undefined {
  return error instanceof EnvsyncError && CATALOG_NOT_ASKED.has(error.code) ? error : undefined;
}

/**
 * The plan from the local build alone: each item, and where it would be enabled, `not compared`,
 * since only the catalog knows whether it would be created, updated or left unchanged.
 */
export function localPlan(targets: PublishTargets, items: readonly DesiredItem[]): ItemResult[] {
  const consumers = [
    `group ${targets.group}`,
    ...targets.projects.map((path) => `project ${path}`),
  ].map((target): ConsumerResult => ({ target, status: "not compared" }));
  return items.map((item) => ({
    name: item.name,
    kind: item.kind,
    status: "not compared",
    consumers: consumers.map((c) => ({ ...c })),
  }));
}

export async function publish(
  config: ResolvedConfig,
  items: readonly DesiredItem[],
  api: CatalogApi,
  options: PublishOptions,
): Promise<ItemResult[]> {
  const progress = options.onProgress ?? (() => undefined);
  checkRelease(options.version);
  const targets = publishTargets(config);
  const ownerGid = await api.projectGid(targets.ownerProject);
  const groupGid = await api.groupGid(targets.group);
  const visibility = await api.visibilityField();
  const projectGids = new Map<string, string>();
  for (const path of targets.projects) projectGids.set(path, await api.projectGid(path));

  let toolIds: Map<string, string> | undefined;
  const builtInToolIds = async (agent: DesiredAgent) => {
    toolIds ??= await api.builtInTools();
    const missing = agent.tools.filter((tool) => !toolIds!.has(tool));
    if (missing.length > 0) throw hiddenToolsError(missing);
    return agent.tools.map((tool) => toolIds!.get(tool)!);
  };
  const consumersOf = memo((target: string) =>
    api.configuredItems(
      target.startsWith("gid://gitlab/Group/") ? { groupId: target } : { projectId: target },
    ),
  );

  const results: ItemResult[] = [];
  for (const item of items) {
    const result: ItemResult = {
      name: item.name,
      kind: item.kind,
      status: "failed",
      consumers: [],
    };
    results.push(result);
    try {
      const existing = await api.itemsNamed(item.name, ownerGid);
      if (existing.length > 1)
        throw new EnvsyncError(
          "duplicate-items",
          `${existing.length} catalog items are named '${item.name}' in ${targets.ownerProject}; delete the extras by hand`,
        );
      const remote = existing[0];
      const change = await compare(item, remote, builtInToolIds, options);
      result.diff = change.diff;
      if (!remote) {
        if (options.dryRun) result.status = "would create";
        else {
          result.id = await create(
            api,
            item,
            ownerGid,
            visibility,
            config.catalog.public,
            builtInToolIds,
          );
          result.status = "created";
        }
      } else {
        result.id = remote.id;
        if (!change.differs) result.status = "unchanged";
        else if (options.dryRun) result.status = "would update";
        else {
          await update(api, item, remote, options.version, builtInToolIds);
          result.status = "updated";
        }
      }
      progress(`${item.name}: ${result.status}`);
      await enable(api, item, result, {
        groupGid,
        projectGids,
        triggers: config.catalog.triggers,
        dryRun: options.dryRun,
        consumersOf,
        progress,
        group: targets.group,
      });
    } catch (error) {
      // A bug, or a token GitLab refuses, stops the run; any other failure stays with its item.
      if (!(error instanceof EnvsyncError)) throw error;
      if (error instanceof GitLabError && (error.status === 401 || error.status === 403))
        throw error;
      result.error =
        error instanceof GitLabError
          ? `${error.message}${error.requestId ? ` [request id ${error.requestId}]` : ""}`
          : error.message;
      progress(
        `${item.name}: failed: ${result.error}${error.hint ? `\n  hint: ${error.hint}` : ""}`,
      );
    }
  }
  return results;
}

async function compare(
  item: DesiredItem,
  remote: CatalogItemNode | undefined,
  toolIds: (agent: DesiredAgent) => Promise<string[]>,
  options: PublishOptions,
): Promise<{ differs: boolean; diff: string }> {
  const version = remote?.latestVersion;
  if (item.kind === "flow") {
    const before = version?.definition ?? "";
    const differs =
      !remote ||
      !sameFlowDefinition(version?.definition, item) ||
      remote.description !== item.description;
    return { differs, diff: differs ? options.diff(item.name, before, item.definition) : "" };
  }
  const ids = remote ? await toolIds(item) : [];
  const remoteTools = version?.tools?.nodes.map((n) => n.id).sort() ?? [];
  const differs =
    !remote ||
    version?.systemPrompt !== item.systemPrompt ||
    (version?.userPrompt ?? "") !== item.userPrompt ||
    remote.description !== item.description ||
    remoteTools.join(",") !== [...ids].sort().join(",");
  const before = remote
    ? agentText({
        systemPrompt: version?.systemPrompt ?? "",
        userPrompt: version?.userPrompt ?? "",
        tools: remoteTools,
      })
    : "";
  return {
    differs,
    diff: differs
      ? options.diff(item.name, before, agentText({ ...item, tools: remote ? ids : item.tools }))
      : "",
  };
}

function visibilityInput(visibility: VisibilityField, isPublic: boolean): Record<string, unknown> {
  // GitLab 19.2 deprecates `public` for `visibility`; exactly one of the two may be sent.
  return visibility.field === "public"
    ? { public: isPublic }
    : { visibility: isPublic ? "PUBLIC" : "PRIVATE" };
}

async function create(
  api: CatalogApi,
  item: DesiredItem,
  projectId: string,
  visibility: VisibilityField,
  isPublic: boolean,
  toolIds: (agent: DesiredAgent) => Promise<string[]>,
): Promise<string> {
  const common = {
    projectId,
    name: item.name,
    description: item.description,
    release: true,
    ...visibilityInput(visibility, isPublic),
  };
  if (item.kind === "flow") return api.createFlow({ ...common, definition: item.definition });
  return api.createAgent({
    ...common,
    systemPrompt: item.systemPrompt,
    userPrompt: item.userPrompt,
    tools: await toolIds(item),
  });
}

async function update(
  api: CatalogApi,
  item: DesiredItem,
  remote: CatalogItemNode,
  version: string | undefined,
  toolIds: (agent: DesiredAgent) => Promise<string[]>,
): Promise<void> {
  const common = {
    id: remote.id,
    description: item.description,
    release: true,
    versionBump: versionBump(remote.latestVersion?.versionName ?? null, version, item.name),
  };
  if (item.kind === "flow") await api.updateFlow({ ...common, definition: item.definition });
  else
    await api.updateAgent({
      ...common,
      systemPrompt: item.systemPrompt,
      userPrompt: item.userPrompt,
      tools: await toolIds(item),
    });
}

/** PATCH by default; with --release, the bump that turns the latest version into it. */
export function versionBump(
  current: string | null,
  target: string | undefined,
  name: string,
): "MAJOR" | "MINOR" | "PATCH" {
  if (!target) return "PATCH";
  const from = semver.coerce(current ?? "0.0.0");
  if (!from || !semver.gt(target, from))
    throw new EnvsyncError(
      "version-not-newer",
      `--release ${target} is not newer than ${name}'s latest version ${current ?? "(none)"}`,
    );
  const to = semver.parse(target)!;
  const expected = to.major > from.major ? "MAJOR" : to.minor > from.minor ? "MINOR" : "PATCH";
  const next = semver.inc(from, expected.toLowerCase() as "major" | "minor" | "patch");
  if (next !== target)
    throw new EnvsyncError(
      "version-skips",
      `--release ${target} cannot follow ${name}'s latest version ${from.version} in one step (next ${expected.toLowerCase()} is ${next})`,
    );
  return expected;
}

interface EnableContext {
  groupGid: string;
  group: string;
  projectGids: Map<string, string>;
  triggers: string[];
  dryRun: boolean;
  consumersOf: (
    target: string,
  ) => Promise<
    { id: string; item: { id: string } | null; serviceAccount: { username: string } | null }[]
  >;
  progress: (line: string) => void;
}

async function enable(
  api: CatalogApi,
  item: DesiredItem,
  result: ItemResult,
  ctx: EnableContext,
): Promise<void> {
  if (!result.id) {
    // Dry run of an item that does not exist yet: every consumer would be created.
    result.consumers.push({ target: `group ${ctx.group}`, status: "would create" });
    for (const path of ctx.projectGids.keys())
      result.consumers.push({ target: `project ${path}`, status: "would create" });
    return;
  }
  const inGroup = (await ctx.consumersOf(ctx.groupGid)).find((c) => c.item?.id === result.id);
  let groupConsumer = inGroup;
  if (inGroup) result.consumers.push({ target: `group ${ctx.group}`, status: "exists" });
  else if (ctx.dryRun)
    result.consumers.push({ target: `group ${ctx.group}`, status: "would create" });
  else {
    groupConsumer = await api.createConsumer({
      itemId: result.id,
      target: { groupId: ctx.groupGid },
    });
    result.consumers.push({ target: `group ${ctx.group}`, status: "created" });
  }
  if (groupConsumer?.serviceAccount?.username)
    result.serviceAccount = groupConsumer.serviceAccount.username;
  ctx.progress(`${item.name}: group ${ctx.group}: ${result.consumers.at(-1)!.status}`);

  for (const [path, gid] of ctx.projectGids) {
    const existing = (await ctx.consumersOf(gid)).find((c) => c.item?.id === result.id);
    let status: ConsumerStatus;
    if (existing) status = "exists";
    else if (ctx.dryRun || !groupConsumer) status = "would create";
    else {
      await api.createConsumer({
        itemId: result.id,
        target: { projectId: gid },
        parentItemConsumerId: groupConsumer.id,
        // Triggers start flows on @mention; the chat agent has none.
        ...(item.kind === "flow" ? { triggerTypes: ctx.triggers } : {}),
      });
      status = "created";
    }
    result.consumers.push({ target: `project ${path}`, status });
    ctx.progress(`${item.name}: project ${path}: ${status}`);
  }
}

function memo<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, load(key));
    return cache.get(key)!;
  };
}

/** GitLab lists the generic API tools to catalog agents only behind this instance feature flag. */
const GENERIC_API_TOOLS = ["gitlab_api_get", "gitlab_graphql"];

function hiddenToolsError(missing: string[]): EnvsyncError {
  const generic = missing.filter((tool) => GENERIC_API_TOOLS.includes(tool));
  return new EnvsyncError(
    "tool-unavailable",
    `this GitLab offers catalog agents no built-in tool named ${missing.map((t) => `'${t}'`).join(", ")}`,
    {
      hint:
        generic.length > 0
          ? "GitLab lists gitlab_api_get and gitlab_graphql to agents only with the " +
            "use_generic_gitlab_api_tools feature flag on: ask an administrator to enable it, or " +
            "set catalog.generic_api_tools: false in envsync.yaml and run `envsync build`"
          : "this GitLab does not offer the tool to catalog agents yet; upgrade GitLab, or build " +
            "with your own templates (--templates) without it",
    },
  );
}
