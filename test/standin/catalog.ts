/**
 * The stand-in's GraphQL side: GitLab's schema (gitlab-schema.ts) executed by graphql-js over
 * StandinState, with the validations GitLab applies (a mutation's `errors` on HTTP 200, global ids,
 * exactly one of public/visibility on create and at most one on update, a project consumer needs
 * its group's consumer first).
 */
import { execFileSync } from "node:child_process";
import { GraphQLError } from "graphql";
import jsYaml from "js-yaml";
import type { StandinConsumer, StandinItem, StandinState } from "./state.js";

const gid = (type: string, id: number) => `gid://gitlab/${type}/${id}`;

function parseGid(value: unknown, type: string): number {
  const match =
    typeof value === "string"
      ? new RegExp(`^gid://gitlab/${type.replace(/[:]/g, "\\:")}/(\\d+)$`).exec(value)
      : null;
  if (!match) throw new GraphQLError(`${JSON.stringify(value)} is not a valid ID for ${type}.`);
  return Number(match[1]);
}

function page<T>(all: T[], first: number | undefined, after: string | undefined) {
  const start = after ? Number(Buffer.from(after, "base64").toString()) : 0;
  const size = first ?? 20;
  const nodes = all.slice(start, start + size);
  const end = start + nodes.length;
  return {
    count: all.length,
    nodes,
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: Buffer.from(String(start)).toString("base64"),
      endCursor: Buffer.from(String(end)).toString("base64"),
    },
  };
}

export function catalogRoot(
  state: StandinState,
  options: {
    visibility: boolean;
    pageSize?: number;
    baseUrl: () => string;
    /** The instance's use_generic_gitlab_api_tools feature flag. */
    genericApiTools?: boolean;
  },
) {
  const lastCommit = (projectId: number, ref: string) => {
    const dir = state.repositories.get(projectId);
    if (!dir) return null;
    try {
      const key = `${dir}\0${ref}`;
      const out =
        (state.cacheGit && state.gitCache.get(key)) ||
        execFileSync("git", ["log", "-1", "--format=%H%x1f%s%x1f%an%x1f%cI", ref, "--"], {
          cwd: dir,
          encoding: "utf8",
        });
      if (state.cacheGit) state.gitCache.set(key, out);
      const [sha, title, authorName, committedDate] = out.trim().split("\x1f");
      return {
        id: gid("CommitPresenter", 1),
        sha,
        title,
        authorName,
        committedDate,
        webPath: `/${state.project(projectId)!.fullPath}/-/commit/${sha}`,
      };
    } catch {
      return null; // unknown ref: GitLab answers a tree with no last commit
    }
  };
  const projectView = (id: number) => {
    const p = state.project(id);
    if (!p) return null;
    return {
      id: gid("Project", p.id),
      fullPath: p.fullPath,
      name: p.fullPath.split("/").pop(),
      webUrl: `${options.baseUrl()}/${p.fullPath}`,
      repository: {
        tree: ({ ref }: { ref?: string }) => ({
          lastCommit: lastCommit(p.id, ref ?? p.defaultBranch),
        }),
      },
      pipelines: ({ ref, first }: { ref?: string; first?: number }) =>
        page(
          state.pipelines
            .filter((x) => x.projectId === p.id && (!ref || x.ref === ref))
            .sort((a, b) => b.id - a.id)
            .map((x) => ({
              id: gid("Ci::Pipeline", x.id),
              iid: String(x.iid),
              status: x.status,
              ref: x.ref,
              sha: x.sha,
              createdAt: x.createdAt,
              path: `/${p.fullPath}/-/pipelines/${x.id}`,
            })),
          first,
          undefined,
        ),
      environment: ({ name }: { name: string }) => ({
        id: gid("Environment", p.id * 100 + name.length),
        name,
        lastDeployment: ({ status }: { status: string }) => {
          const d = state.deployments
            .filter((x) => x.projectId === p.id && x.environment === name && x.status === status)
            .sort((a, b) => b.id - a.id)[0];
          return d
            ? {
                id: gid("Deployment", d.id),
                iid: String(d.iid),
                status: d.status,
                ref: d.ref,
                sha: d.sha,
                createdAt: d.createdAt,
                finishedAt: d.finishedAt,
              }
            : null;
        },
      }),
    };
  };
  const groupView = (id: number) => {
    const g = state.group(id);
    return g
      ? { id: gid("Group", g.id), fullPath: g.fullPath, name: g.fullPath.split("/").pop() }
      : null;
  };
  const toolsView = (ids: number[]) =>
    page(
      state.builtInTools
        .filter((t) => ids.includes(t.id))
        .map((t) => ({ ...t, id: gid("Ai::Catalog::BuiltInTool", t.id) })),
      200,
      undefined,
    );
  const itemView = (item: StandinItem) => {
    const v = item.versions.at(-1);
    return {
      __typename: item.itemType === "FLOW" ? "AiCatalogFlow" : "AiCatalogAgent",
      id: gid("Ai::Catalog::Item", item.id),
      name: item.name,
      description: item.description,
      itemType: item.itemType,
      public: item.visibility === "PUBLIC",
      visibility: item.visibility,
      project: projectView(item.projectId),
      latestVersion: v && {
        __typename: item.itemType === "FLOW" ? "AiCatalogFlowVersion" : "AiCatalogAgentVersion",
        id: gid("Ai::Catalog::ItemVersion", v.id),
        versionName: v.versionName,
        humanVersionName: `v${v.versionName}`,
        released: v.released,
        createdAt: v.createdAt,
        definition: v.definition,
        systemPrompt: v.systemPrompt,
        userPrompt: v.userPrompt,
        tools: () => toolsView(v.toolIds ?? []),
      },
    };
  };
  const consumerView = (c: StandinConsumer) => {
    const item = state.items.find((i) => i.id === c.itemId);
    return {
      id: gid("Ai::Catalog::ItemConsumer", c.id),
      enabled: true,
      item: item ? itemView(item) : null,
      project: c.projectId ? projectView(c.projectId) : null,
      group: c.groupId ? groupView(c.groupId) : null,
      serviceAccount: c.serviceAccount
        ? { id: gid("User", c.id + 5000), username: c.serviceAccount }
        : null,
    };
  };

  // Create `validates exactly_one_of: [:public, :visibility]`, update `mutually_exclusive` (19.2+);
  // graphql-ruby answers these as top-level errors. Before 19.2, `public` is required on create.
  const visibilityOf = (
    input: Record<string, unknown>,
    required: boolean,
  ): StandinItem["visibility"] | undefined => {
    const hasPublic = input.public !== undefined && input.public !== null;
    const hasVisibility = input.visibility !== undefined && input.visibility !== null;
    if (options.visibility && hasPublic === hasVisibility && (required || hasPublic)) {
      throw new GraphQLError(
        required
          ? "One and only one of [public, visibility] arguments is required."
          : "public, visibility are mutually exclusive.",
      );
    }
    if (hasVisibility) return input.visibility as StandinItem["visibility"];
    if (hasPublic) return input.public ? "PUBLIC" : "PRIVATE";
    return undefined;
  };
  const validDefinition = (definition: string): string | undefined => {
    try {
      const parsed = jsYaml.load(definition) as { version?: string } | null;
      return parsed && parsed.version === "v1"
        ? undefined
        : "Definition is invalid: version must be v1";
    } catch (error) {
      return `Definition is invalid: ${(error as Error).message.split("\n")[0]}`;
    }
  };
  const bump = (from: string, how: string | undefined) => {
    const [major, minor, patch] = from.split(".").map(Number) as [number, number, number];
    if (how === "MAJOR") return `${major + 1}.0.0`;
    if (how === "MINOR") return `${major}.${minor + 1}.0`;
    return `${major}.${minor}.${patch + 1}`;
  };
  const now = () => new Date(Date.UTC(2026, 10, 24, 12, 0, state.items.length)).toISOString();

  const createItem = (input: Record<string, unknown>, itemType: "FLOW" | "AGENT") => {
    const projectId = parseGid(input.projectId, "Project");
    if (!state.project(projectId)) return { errors: ["Project not found"], item: null };
    const visibility = visibilityOf(input, true)!;
    const invalid = itemType === "FLOW" ? validDefinition(String(input.definition)) : undefined;
    if (invalid) return { errors: [invalid], item: null };
    const item: StandinItem = {
      id: state.id(),
      name: String(input.name),
      description: String(input.description),
      itemType,
      projectId,
      visibility,
      versions: [
        {
          id: state.id(),
          versionName: "1.0.0",
          released: Boolean(input.release),
          createdAt: now(),
          ...(itemType === "FLOW"
            ? { definition: String(input.definition) }
            : {
                systemPrompt: String(input.systemPrompt),
                userPrompt: String(input.userPrompt ?? ""),
                toolIds: ((input.tools as string[]) ?? []).map((t) =>
                  parseGid(t, "Ai::Catalog::BuiltInTool"),
                ),
              }),
        },
      ],
    };
    state.items.push(item);
    return { errors: [], item: itemView(item) };
  };

  const updateItem = (input: Record<string, unknown>, itemType: "FLOW" | "AGENT") => {
    const item = state.items.find(
      (i) => i.id === parseGid(input.id, "Ai::Catalog::Item") && i.itemType === itemType,
    );
    if (!item) return { errors: ["Item not found"], item: null };
    const visibility = visibilityOf(input, false);
    if (itemType === "FLOW" && input.definition !== undefined) {
      const invalid = validDefinition(String(input.definition));
      if (invalid) return { errors: [invalid], item: null };
    }
    const last = item.versions.at(-1)!;
    if (input.description !== undefined) item.description = String(input.description);
    if (visibility !== undefined) item.visibility = visibility;
    item.versions.push({
      ...last,
      id: state.id(),
      versionName: bump(last.versionName, input.versionBump as string | undefined),
      released: Boolean(input.release),
      createdAt: now(),
      ...(input.definition !== undefined ? { definition: String(input.definition) } : {}),
      ...(input.systemPrompt !== undefined ? { systemPrompt: String(input.systemPrompt) } : {}),
      ...(input.userPrompt !== undefined ? { userPrompt: String(input.userPrompt) } : {}),
      ...(input.tools !== undefined
        ? { toolIds: (input.tools as string[]).map((t) => parseGid(t, "Ai::Catalog::BuiltInTool")) }
        : {}),
    });
    return { errors: [], item: itemView(item) };
  };

  return {
    project: ({ fullPath }: { fullPath: string }) => {
      const p = state.project(fullPath);
      return p ? projectView(p.id) : null;
    },
    group: ({ fullPath }: { fullPath: string }) => {
      const g = state.group(fullPath);
      return g ? groupView(g.id) : null;
    },
    aiCatalogItem: ({ id }: { id: string }) => {
      const item = state.items.find((i) => i.id === parseGid(id, "Ai::Catalog::Item"));
      return item ? itemView(item) : null;
    },
    aiCatalogItems: ({
      search,
      first,
      after,
    }: {
      search?: string;
      first?: number;
      after?: string;
    }) =>
      page(
        state.items
          .filter((i) => !search || i.name.includes(search) || i.description.includes(search))
          .map(itemView),
        Math.min(first ?? 20, options.pageSize ?? 100),
        after,
      ),
    aiCatalogBuiltInTools: ({ first, after }: { first?: number; after?: string }) =>
      page(
        state.builtInTools
          .filter(
            (t) =>
              options.genericApiTools || !["gitlab_api_get", "gitlab_graphql"].includes(t.name),
          )
          .map((t) => ({
            ...t,
            id: gid("Ai::Catalog::BuiltInTool", t.id),
            description: `The ${t.name} tool`,
          })),
        first,
        after,
      ),
    aiCatalogConfiguredItems: ({
      projectId,
      groupId,
      first,
      after,
    }: {
      projectId?: string;
      groupId?: string;
      first?: number;
      after?: string;
    }) => {
      if (!projectId && !groupId) throw new GraphQLError("Either projectId or groupId is required");
      const p = projectId ? parseGid(projectId, "Project") : undefined;
      const g = groupId ? parseGid(groupId, "Group") : undefined;
      return page(
        state.consumers
          .filter((c) => (p !== undefined ? c.projectId === p : c.groupId === g))
          .map(consumerView),
        Math.min(first ?? 20, options.pageSize ?? 100),
        after,
      );
    },
    aiCatalogFlowCreate: ({ input }: { input: Record<string, unknown> }) =>
      createItem(input, "FLOW"),
    aiCatalogAgentCreate: ({ input }: { input: Record<string, unknown> }) =>
      createItem(input, "AGENT"),
    aiCatalogFlowUpdate: ({ input }: { input: Record<string, unknown> }) =>
      updateItem(input, "FLOW"),
    aiCatalogAgentUpdate: ({ input }: { input: Record<string, unknown> }) =>
      updateItem(input, "AGENT"),
    aiCatalogItemConsumerCreate: ({ input }: { input: Record<string, unknown> }) => {
      const itemId = parseGid(input.itemId, "Ai::Catalog::Item");
      const item = state.items.find((i) => i.id === itemId);
      if (!item) return { errors: ["Item not found"], itemConsumer: null };
      const target = input.target as { groupId?: string; projectId?: string };
      const groupId = target.groupId ? parseGid(target.groupId, "Group") : undefined;
      const projectId = target.projectId ? parseGid(target.projectId, "Project") : undefined;
      if ((groupId === undefined) === (projectId === undefined))
        return {
          errors: ["Target must have exactly one of groupId or projectId"],
          itemConsumer: null,
        };
      const triggerTypes = (input.triggerTypes as string[] | undefined) ?? [];
      const bad = triggerTypes.filter((t) => !["mention", "assign", "assign_reviewer"].includes(t));
      if (bad.length > 0)
        return { errors: [`Trigger types ${bad.join(", ")} are not valid`], itemConsumer: null };
      if (
        state.consumers.some(
          (c) => c.itemId === itemId && c.groupId === groupId && c.projectId === projectId,
        )
      ) {
        return { errors: ["Item already configured"], itemConsumer: null };
      }
      let parentId: number | undefined;
      if (projectId !== undefined) {
        if (!input.parentItemConsumerId)
          return {
            errors: ["Item must be enabled in the top-level group first"],
            itemConsumer: null,
          };
        parentId = parseGid(input.parentItemConsumerId, "Ai::Catalog::ItemConsumer");
        const parent = state.consumers.find(
          (c) => c.id === parentId && c.itemId === itemId && c.groupId !== undefined,
        );
        if (!parent)
          return { errors: ["Parent item consumer not found for this item"], itemConsumer: null };
      }
      const consumer: StandinConsumer = {
        id: state.id(),
        itemId,
        ...(groupId !== undefined ? { groupId } : {}),
        ...(projectId !== undefined ? { projectId } : {}),
        ...(parentId !== undefined ? { parentId } : {}),
        triggerTypes,
        // Enabling a flow in a group creates its service account, the @handle users mention.
        ...(groupId !== undefined && item.itemType === "FLOW"
          ? {
              serviceAccount: `ai-${item.name}-${state.group(groupId)!.fullPath.replace(/\//g, "-")}`,
            }
          : {}),
      };
      state.consumers.push(consumer);
      // Enabled in a project with trigger types, the flow gets a trigger of GitLab's own making
      // (its description is not EnvSync's).
      if (projectId !== undefined && triggerTypes.length > 0) {
        const parent = state.consumers.find((c) => c.id === parentId);
        state.flowTriggers.push({
          id: state.id(),
          projectId,
          ...(options.visibility ? {} : parent ? { userId: parent.id + 5000 } : {}),
          description: item.name,
          eventTypes: triggerTypes.map((t) => ["mention", "assign", "assign_reviewer"].indexOf(t)),
          consumerId: consumer.id,
          active: true,
          createdAt: now(),
          updatedAt: now(),
        });
      }
      return { errors: [], itemConsumer: consumerView(consumer) };
    },
  };
}
