/**
 * `envsync protect`'s writes: a plan applied one write at a time, in an order that never leaves a
 * branch unprotected: a branch's rule before what refers to it, and only changes in place (no
 * DELETE is ever sent).
 */
import type { GitLabRest } from "../gitlab/rest.js";
import {
  CREATE_APPROVAL_RULE,
  CREATE_PROTECTED_BRANCH,
  CREATE_PROTECTED_ENVIRONMENT,
  UPDATE_APPROVAL_RULE,
  UPDATE_PROTECTED_BRANCH,
  UPDATE_PROTECTED_ENVIRONMENT,
  type GitLabProtection,
} from "../gitlab/protection-rest.js";
import type { Change } from "../core/protection.js";

/**
 * Applies `changes` in order; `onApplied` hears each one once GitLab has taken it. Stops between
 * writes when `signal` aborts: each write is whole, so what is done stays done and a re-run plans
 * the rest.
 */
export async function applyChanges(
  rest: GitLabRest,
  project: string,
  changes: readonly Change[],
  known: GitLabProtection,
  options: { signal?: AbortSignal; onApplied?: (change: Change) => void } = {},
): Promise<number> {
  const branchIds = new Map(known.branches.filter((b) => !b.inherited).map((b) => [b.name, b.id]));
  let applied = 0;
  for (const change of changes) {
    if (options.signal?.aborted) break;
    const write = change.write;
    switch (write.kind) {
      case "create-branch": {
        const created = await rest.run(CREATE_PROTECTED_BRANCH, { project, body: write.body });
        branchIds.set(created.name, created.id);
        break;
      }
      case "update-branch":
        await rest.run(UPDATE_PROTECTED_BRANCH, { project, name: write.branch, body: write.body });
        break;
      case "create-environment":
        await rest.run(CREATE_PROTECTED_ENVIRONMENT, { project, body: write.body });
        break;
      case "update-environment":
        await rest.run(UPDATE_PROTECTED_ENVIRONMENT, {
          project,
          name: write.environment,
          body: write.body,
        });
        break;
      case "create-approval-rule":
      case "update-approval-rule": {
        const id = branchIds.get(write.branch);
        const body = { ...write.body, ...(id === undefined ? {} : { protected_branch_ids: [id] }) };
        if (write.kind === "create-approval-rule")
          await rest.run(CREATE_APPROVAL_RULE, { project, body });
        else await rest.run(UPDATE_APPROVAL_RULE, { project, id: write.id, body });
        break;
      }
    }
    applied++;
    options.onApplied?.(change);
  }
  return applied;
}
