/**
 * What a rollback undid, recorded in its merge request so the commits stay out: one hidden line in
 * the description, `<!-- envsync:rollback {…} -->`, that `rollback` writes and `promote` reads
 * back from the project's rollback merge requests (opened or merged; a rollback closed unmerged
 * was not carried out). Read back by shape: whatever edits a description could put anything there.
 */
import * as z from "zod";
import { inertJson } from "./markdown.js";
import type { GitLabRest } from "./rest.js";
import { ROLLBACK_MERGE_REQUESTS } from "./rest-operations.js";

/** The label every rollback merge request carries, so they can be listed. */
export const ROLLBACK_LABEL = "envsync-rollback";
/** Rollback branches start with this; the environment and the target's short sha follow. */
export const ROLLBACK_BRANCH_PREFIX = "envsync/rollback/";

const SHA = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/);

const RECORD = z.object({
  version: z.literal(1),
  environment: z.string().max(200),
  target: SHA,
  deployed: SHA,
  undone: z
    .array(
      z.object({
        sha: SHA,
        /** `git patch-id --stable`, so a pick of the commit elsewhere is recognised too. */
        patch_id: z
          .string()
          .regex(/^[0-9a-f]{40,64}$/)
          .optional(),
        /** What its `(cherry picked from commit X)` lines name. */
        picked_from: z
          .array(z.string().regex(/^[0-9a-f]{7,64}$/))
          .max(100)
          .default([]),
      }),
    )
    .max(10_000),
});
export type RollbackRecord = z.infer<typeof RECORD>;

const OPEN = "<!-- envsync:rollback ";
const CLOSE = " -->";

export function recordLine(record: RollbackRecord): string {
  return `${OPEN}${inertJson(record)}${CLOSE}`;
}

/** The first well-formed record in a description, read in one forward pass. */
export function readRecord(description: string): RollbackRecord | undefined {
  let from = 0;
  for (;;) {
    const close = description.indexOf(CLOSE, from);
    if (close < 0) return undefined;
    const piece = description.slice(from, close);
    const open = piece.lastIndexOf(OPEN);
    const body = open < 0 ? "" : piece.slice(open + OPEN.length);
    from = close + CLOSE.length;
    if (!body.startsWith("{") || !body.endsWith("}") || body.includes("\n")) continue;
    try {
      const parsed = RECORD.safeParse(JSON.parse(body));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON: someone edited it; a later one may still be EnvSync's.
    }
  }
}

export interface RecordedRollback extends RollbackRecord {
  merge_request: { iid: number; web_url: string; state: string; created_at?: string };
}

/** The records of the project's rollback merge requests that are open or merged. */
export async function rollbackRecords(
  gitlab: { rest: GitLabRest; project: string },
  target?: string,
): Promise<RecordedRollback[]> {
  const found = await gitlab.rest.run(ROLLBACK_MERGE_REQUESTS, {
    project: gitlab.project,
    label: ROLLBACK_LABEL,
    ...(target ? { target } : {}),
  });
  const records: RecordedRollback[] = [];
  for (const mr of found) {
    if (mr.state !== "opened" && mr.state !== "merged") continue;
    if (!mr.source_branch.startsWith(ROLLBACK_BRANCH_PREFIX)) continue;
    const record = readRecord(mr.description ?? "");
    if (record)
      records.push({
        ...record,
        merge_request: {
          iid: mr.iid,
          web_url: mr.web_url,
          state: mr.state,
          ...(mr.created_at ? { created_at: mr.created_at } : {}),
        },
      });
  }
  return records;
}
