/**
 * Whose notes count as the conflict resolver's proposals: `--author`, else
 * `conflicts.learning.author`, else the service account of the published conflict-resolver flow,
 * the account cherry-pick mentions to start it (src/gitlab/flow-consumer.ts). The token `learn`
 * runs with is a person's, so only the catalog can say which account the flow posts as.
 */
import type { ResolvedConfig } from "../config/types.js";
import { usageError } from "../errors.js";
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import { findFlowConsumer } from "../gitlab/flow-consumer.js";

export const RESOLVER_FLOW = "conflict-resolver";

/** GraphQL's own errors (HTTP 200), and the 403 and 404 of a GitLab that keeps the API from us. */
const CATALOG_UNREADABLE = new Set<string>(["gitlab-api", "gitlab-forbidden", "gitlab-not-found"]);

/** Where the account came from: `--author`, envsync.yaml, or the flow's consumer in GitLab. */
export type AuthorSource = "option" | "config" | "flow";

export interface LearnAuthor {
  username: string;
  source: AuthorSource;
}

export async function learnAuthor(
  gitlab: Pick<GitLab, "graphql"> & { project: string },
  config: Pick<ResolvedConfig, "catalog" | "conflicts">,
  given: string | undefined,
): Promise<LearnAuthor> {
  if (given) return { username: given, source: "option" };
  const configured = config.conflicts.learning.author;
  if (configured) return { username: configured, source: "config" };
  const flow = `${config.catalog.name_prefix}-${RESOLVER_FLOW}`;
  let consumer: Awaited<ReturnType<typeof findFlowConsumer>>;
  try {
    consumer = await findFlowConsumer(gitlab.graphql, gitlab.project, config, RESOLVER_FLOW);
  } catch (error) {
    // A GitLab without the AI Catalog (GraphQL says the field does not exist), or a token whose
    // user may not read it: the catalog cannot tell. Anything else (a bad token, an unreachable
    // or rate-limiting GitLab, an unknown project, an answer out of shape) is an error of its own.
    if (!(error instanceof GitLabError) || !CATALOG_UNREADABLE.has(error.code)) throw error;
    throw unknown(`the AI Catalog cannot be read (${error.message})`, flow);
  }
  if (!consumer) throw unknown(`the ${flow} flow is not enabled in ${gitlab.project}`, flow);
  if (!consumer.username)
    throw unknown(
      `the ${flow} flow in ${gitlab.project} names no service account` +
        (config.catalog.group ? "" : " (set catalog.group to read the group's)"),
      flow,
    );
  return { username: consumer.username, source: "flow" };
}

function unknown(why: string, flow: string) {
  return usageError(
    `envsync learn does not know which account's proposals to read: ${why}, and neither ` +
      "conflicts.learning.author nor --author names one",
    {
      code: "learn-author-unknown",
      hint:
        `set conflicts.learning.author in envsync.yaml to the ${flow} flow's service account ` +
        "(`envsync publish` reports it), or pass --author USERNAME",
    },
  );
}

/** How the text report names where the account came from. */
export function authorOrigin(source: AuthorSource, flow: string): string {
  return {
    option: "from --author",
    config: "from conflicts.learning.author",
    flow: `the ${flow} flow's service account`,
  }[source];
}
