/**
 * The AI Catalog operations `envsync publish` needs, over GitLabGraphQL (catalog) and REST (ids of
 * projects and groups). Shapes: ./queries.ts.
 */
import { GitLabError } from "./errors.js";
import { allPages, assertNoPayloadErrors, type GitLabGraphQL } from "./graphql.js";
import {
  AGENT_CREATE,
  AGENT_UPDATE,
  BUILT_IN_TOOLS,
  CATALOG_ITEMS,
  CONFIGURED_ITEMS,
  CONSUMER_CREATE,
  FLOW_CREATE,
  FLOW_UPDATE,
  type CatalogItemNode,
  type ConsumerNode,
  type DataOf,
} from "./queries.js";
import type { GitLab } from "./access.js";
import type { GitLabRest } from "./rest.js";
import { GROUP, METADATA, PROJECT } from "./rest-operations.js";

/** How this GitLab wants item visibility: `public: Boolean` (before 19.2) or a `visibility` enum. */
export type VisibilityField = { field: "public" } | { field: "visibility" };

/** GitLab 19.2 added `visibility` (PRIVATE, RESTRICTED, PUBLIC) and deprecated `public`. */
const VISIBILITY_SINCE = [19, 2] as const;

export type ConsumerTarget = { groupId: string } | { projectId: string };

export class CatalogApi {
  private readonly graphql: GitLabGraphQL;
  private readonly rest: GitLabRest;

  constructor(gitlab: Pick<GitLab, "graphql" | "rest">) {
    this.graphql = gitlab.graphql;
    this.rest = gitlab.rest;
  }

  /** Global ids read once per run (publish asks for them again when it sets up triggers). */
  private readonly gids = new Map<string, Promise<string>>();

  projectGid(path: string): Promise<string> {
    return this.once(`project:${path}`, async () => {
      const project = await this.rest.run(PROJECT, { path });
      return `gid://gitlab/Project/${project.id}`;
    });
  }

  groupGid(path: string): Promise<string> {
    return this.once(`group:${path}`, async () => {
      const group = await this.rest.run(GROUP, { path });
      return `gid://gitlab/Group/${group.id}`;
    });
  }

  private once(key: string, read: () => Promise<string>): Promise<string> {
    let known = this.gids.get(key);
    if (!known) {
      // A failed read is not remembered: the next caller asks again.
      known = read().catch((error: unknown) => {
        this.gids.delete(key);
        throw error;
      });
      this.gids.set(key, known);
    }
    return known;
  }

  /**
   * Production GitLab refuses introspection, so the variant comes from the version the instance
   * reports (`GET /api/v4/metadata`, e.g. "19.4.1-ee").
   */
  async visibilityField(): Promise<VisibilityField> {
    const [major, minor] = await this.version();
    const [sinceMajor, sinceMinor] = VISIBILITY_SINCE;
    const newer = major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
    return newer ? { field: "visibility" } : { field: "public" };
  }

  private versionRead?: Promise<readonly [number, number]>;

  /** The instance's [major, minor], read once (`GET /api/v4/metadata`). */
  version(): Promise<readonly [number, number]> {
    this.versionRead ??= this.rest.run(METADATA, {}).then(({ version }) => {
      const [major = 0, minor = 0] = /^(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number) ?? [];
      return [major, minor] as const;
    });
    return this.versionRead;
  }

  /** Items named exactly `name` that belong to the project `projectGid`. */
  async itemsNamed(name: string, projectGid: string): Promise<CatalogItemNode[]> {
    const items = await allPages("aiCatalogItems", async (after) => {
      const data: DataOf<typeof CATALOG_ITEMS> = await this.graphql.run(CATALOG_ITEMS, {
        search: name,
        after,
      });
      return data.aiCatalogItems;
    });
    return items.filter((n) => n.name === name && n.project?.id === projectGid);
  }

  /** Built-in tool ids by the tool's name (`get_repository_file`), every page read. */
  async builtInTools(): Promise<Map<string, string>> {
    const tools = await allPages("aiCatalogBuiltInTools", async (after) => {
      const data: DataOf<typeof BUILT_IN_TOOLS> = await this.graphql.run(BUILT_IN_TOOLS, {
        after,
      });
      return data.aiCatalogBuiltInTools;
    });
    return new Map(tools.map((tool) => [tool.name, tool.id]));
  }

  async configuredItems(target: ConsumerTarget): Promise<ConsumerNode[]> {
    return allPages("aiCatalogConfiguredItems", async (after) => {
      const vars: { projectId: string | null; groupId: string | null; after: string | null } = {
        projectId: "projectId" in target ? target.projectId : null,
        groupId: "groupId" in target ? target.groupId : null,
        after,
      };
      const data: DataOf<typeof CONFIGURED_ITEMS> = await this.graphql.run(CONFIGURED_ITEMS, vars);
      return data.aiCatalogConfiguredItems;
    });
  }

  async createFlow(input: Record<string, unknown>): Promise<string> {
    const data = await this.graphql.run(FLOW_CREATE, { input });
    assertNoPayloadErrors("aiCatalogFlowCreate", data.aiCatalogFlowCreate);
    return requireId("aiCatalogFlowCreate", data.aiCatalogFlowCreate?.item?.id);
  }

  async updateFlow(input: Record<string, unknown>): Promise<void> {
    const data = await this.graphql.run(FLOW_UPDATE, { input });
    assertNoPayloadErrors("aiCatalogFlowUpdate", data.aiCatalogFlowUpdate);
  }

  async createAgent(input: Record<string, unknown>): Promise<string> {
    const data = await this.graphql.run(AGENT_CREATE, { input });
    assertNoPayloadErrors("aiCatalogAgentCreate", data.aiCatalogAgentCreate);
    return requireId("aiCatalogAgentCreate", data.aiCatalogAgentCreate?.item?.id);
  }

  async updateAgent(input: Record<string, unknown>): Promise<void> {
    const data = await this.graphql.run(AGENT_UPDATE, { input });
    assertNoPayloadErrors("aiCatalogAgentUpdate", data.aiCatalogAgentUpdate);
  }

  async createConsumer(input: Record<string, unknown>): Promise<ConsumerNode> {
    const data = await this.graphql.run(CONSUMER_CREATE, { input });
    assertNoPayloadErrors("aiCatalogItemConsumerCreate", data.aiCatalogItemConsumerCreate);
    const consumer = data.aiCatalogItemConsumerCreate?.itemConsumer;
    if (!consumer)
      throw new GitLabError("aiCatalogItemConsumerCreate returned no consumer", {
        status: 200,
        method: "POST",
        path: "/api/graphql",
      });
    return consumer;
  }
}

function requireId(operation: string, id: string | undefined): string {
  if (!id)
    throw new GitLabError(`${operation} returned no item`, {
      status: 200,
      method: "POST",
      path: "/api/graphql",
    });
  return id;
}
