/**
 * The dashboard's rollbacks: the project's rollback merge requests that are open or merged, and
 * the commits they keep out of promotions (promote's `rolled_back` gate), from each one's record.
 * Every value is EnvSync's record, read back by shape, and rendered as inert text.
 */
import { count, instanceLink, oneOf, sha, text } from "../gitlab/markdown.js";
import type { RecordedRollback } from "../gitlab/rollback-record.js";

/** Commits named per rollback; the rest are counted. */
const LISTED = 20;

export function rollbacksSection(records: readonly RecordedRollback[], instance: string): string[] {
  if (records.length === 0) return [];
  const lines = [
    "",
    `### Rollbacks (${count(records.length)})`,
    "",
    "| environment | merge request | state | deployed → target | commits kept out |",
    "| --- | --- | --- | --- | ---: |",
    ...records.map(
      (r) =>
        `| ${text(r.environment)} | ${instanceLink(`!${count(r.merge_request.iid)}`, r.merge_request.web_url, instance)} | ` +
        `${oneOf(r.merge_request.state, ["opened", "merged"])} | ${sha(r.deployed)} → ${sha(r.target)} | ` +
        `${count(r.undone.length)} |`,
    ),
    "",
    "**Commits kept out of promotions** until a later commit reverts them or names them in an " +
      "`Envsync-Fixes: <sha>` trailer:",
    "",
  ];
  for (const r of records) {
    const shown = r.undone.slice(0, LISTED).map((u) => sha(u.sha));
    const more = r.undone.length > LISTED ? ` and ${count(r.undone.length - LISTED)} more` : "";
    lines.push(
      `- ${text(r.environment)} (!${count(r.merge_request.iid)}): ${shown.join(", ")}${more}`,
    );
  }
  return lines;
}
