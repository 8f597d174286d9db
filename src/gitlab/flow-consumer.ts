/**
 * A published flow as a project sees it: its consumer id (what the workflows API starts) and the
 * service account people @mention to start it. The project's consumer of a group-enabled flow
 * often names no account: the group's consumer does. One lookup for every command that starts a
 * flow or reads what it posted (cherry-pick, notify, learn).
 */
import type { ResolvedConfig } from "../config/types.js";
import { EnvsyncError } from "../errors.js";
import type { GitLabGraphQL } from "./graphql.js";
import { CONFIGURED_ITEMS, GROUP_ID, PROJECT_ID } from "./queries.js";

export interface FlowConsumer {
  id: number;
  /** A GitLab username (checked): the one mention a note that starts the flow carries. */
  username: string | null;
}

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The flow `<catalog.name_prefix>-<flow>` enabled in `project`, else undefined. */
export async function findFlowConsumer(
  graphql: GitLabGraphQL,
  project: string,
  config: Pick<ResolvedConfig, "catalog">,
  flow: string,
): Promise<FlowConsumer | undefined> {
  const name = `${config.catalog.name_prefix}-${flow}`;
  const data = await graphql.run(PROJECT_ID, { path: project });
  if (!data.project)
    throw new EnvsyncError(
      "project-not-found",
      `project ${project} not found, or the token cannot see it`,
    );
  const inProject = (
    await graphql.run(CONFIGURED_ITEMS, { projectId: data.project.id, groupId: null, after: null })
  ).aiCatalogConfiguredItems.nodes.find((n) => n.item?.name === name);
  if (!inProject) return undefined;
  let username = inProject.serviceAccount?.username ?? null;
  if (!username && config.catalog.group) {
    const group = (await graphql.run(GROUP_ID, { path: config.catalog.group })).group?.id;
    username = group
      ? ((
          await graphql.run(CONFIGURED_ITEMS, { projectId: null, groupId: group, after: null })
        ).aiCatalogConfiguredItems.nodes.find((n) => n.item?.name === name)?.serviceAccount
          ?.username ?? null)
      : null;
  }
  return {
    id: Number(inProject.id.split("/").pop()),
    username: username && USERNAME.test(username) ? username : null,
  };
}
