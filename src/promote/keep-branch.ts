/**
 * The promotion branch. Merging the source branch itself would carry its versions of files meant
 * to differ (a branch's own settings) into the target. EnvSync opens the merge request from its
 * own branch instead: the source's head plus one commit that puts back the target's version of
 * every expected difference. A three-way merge then leaves those files as the target has them,
 * whatever the source did to them.
 */
import { createHash } from "node:crypto";
import type { ExpectedFile } from "../drift/file-drift.js";
import type { PairDrift } from "../drift/pair.js";
import { GitLabError } from "../gitlab/errors.js";
import type { GitLabRest } from "../gitlab/rest.js";
import { BRANCH, CREATE_COMMIT, RAW_FILE, type FileAction } from "../gitlab/rest-operations.js";

export interface KeptFile {
  path: string;
  /** What the keep commit does on the promotion branch to give the target's version back. */
  action: FileAction["action"];
}

export interface PromotionBranch {
  name: string;
  kept: KeptFile[];
  /** `planned` under --dry-run: nothing was read or written. */
  action: "created" | "updated" | "unchanged" | "planned";
}

export const promotionBranchName = (from: string, to: string) => `envsync/promote/${from}-to-${to}`;

/** The trailer that tells a keep commit EnvSync made for exactly this source head and these files. */
const KEEP_TRAILER = "Envsync-Keep";

/**
 * The file actions that undo, on top of the source head, what the source did to the target's
 * expected differences: a path only the source has is deleted, one only the target has is
 * created, one both have gets the target's text; a rename is undone as a delete and a create.
 */
export function keepActions(expected: readonly ExpectedFile[]): KeptFile[] {
  const kept: KeptFile[] = [];
  for (const file of expected) {
    if (file.status === "A") kept.push({ path: file.path, action: "delete" });
    else if (file.status === "D") kept.push({ path: file.path, action: "create" });
    else if (file.status === "R" && file.old_path)
      kept.push({ path: file.path, action: "delete" }, { path: file.old_path, action: "create" });
    else kept.push({ path: file.path, action: "update" });
  }
  return kept;
}

/**
 * Makes `envsync/promote/<from>-to-<to>` the source head plus the keep commit, through GitLab's
 * Commits API (one request, which also overwrites an older promotion branch). Returns undefined
 * when nothing needs keeping: then the source branch itself is merged.
 */
export async function preparePromotionBranch(
  gitlab: { rest: GitLabRest; project: string },
  drift: PairDrift,
  options: { dryRun: boolean },
): Promise<PromotionBranch | undefined> {
  const kept = keepActions(drift.files.expected);
  if (kept.length === 0) return undefined;
  const name = promotionBranchName(drift.from, drift.to);
  if (options.dryRun) return { name, kept, action: "planned" };
  const { rest, project } = gitlab;
  const actions: FileAction[] = [];
  for (const file of kept) {
    if (file.action === "delete") actions.push({ action: "delete", path: file.path });
    else {
      const content = await rest.run(RAW_FILE, { project, path: file.path, ref: drift.to_sha });
      actions.push({ action: file.action, path: file.path, content });
    }
  }
  const marker = createHash("sha256")
    .update(JSON.stringify([drift.from_sha, drift.to_sha, actions]))
    .digest("hex")
    .slice(0, 20);
  const current = await branchHead(rest, project, name);
  if (
    current?.parent_ids.length === 1 &&
    current.parent_ids[0] === drift.from_sha &&
    current.message.includes(`${KEEP_TRAILER}: ${marker}`)
  )
    return { name, kept, action: "unchanged" };
  await rest.run(CREATE_COMMIT, {
    project,
    branch: name,
    startSha: drift.from_sha,
    force: true,
    actions,
    message:
      `Keep ${drift.to_branch}'s own files in the promotion from ${drift.from_branch}\n\n` +
      `EnvSync gives back ${drift.to_branch}'s version of ${kept.length} ` +
      `${kept.length === 1 ? "file" : "files"} that drift.expected lets differ, so merging ` +
      `this branch leaves them as they are.\n\n${KEEP_TRAILER}: ${marker}\n`,
  });
  return { name, kept, action: current ? "updated" : "created" };
}

async function branchHead(rest: GitLabRest, project: string, branch: string) {
  try {
    return (await rest.run(BRANCH, { project, branch })).commit;
  } catch (error) {
    if (error instanceof GitLabError && error.status === 404) return undefined;
    throw error;
  }
}
