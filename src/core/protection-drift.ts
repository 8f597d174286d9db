/**
 * GitLab's protection against envsync.yaml, read for a report (`drift`, the dashboard): the plan
 * `envsync protect` would apply, or why it could not be read. A token that may not read
 * protection (not a Maintainer's, a Duo flow job's) is said, not fatal: the report goes on.
 */
import type { ResolvedEnvironment } from "../config/types.js";
import { GitLabError } from "../gitlab/errors.js";
import { readProtection } from "../gitlab/protection-rest.js";
import type { GitLabRest } from "../gitlab/rest.js";
import { planProtection, type ProtectionPlan } from "./protection.js";

export type ProtectionView = { plan: ProtectionPlan } | { unread: string };

export async function readProtectionDrift(
  rest: GitLabRest,
  project: string,
  environments: readonly ResolvedEnvironment[],
): Promise<ProtectionView> {
  try {
    return { plan: planProtection(environments, await readProtection(rest, project)) };
  } catch (error) {
    if (error instanceof GitLabError && (error.status === 401 || error.status === 403))
      return { unread: `${error.message} (reading protection needs a Maintainer's token)` };
    throw error;
  }
}
