/**
 * Commits a rollback undid that a promotion would bring again. A rollback records what it undid
 * in its merge request (see gitlab/rollback-record.ts); a commit the promotion brings is that
 * commit when it is the same (sha), a pick of it either way (`cherry picked from` lines), or the
 * same change (patch-id). It stays out until a later commit on the source reverts it (git's
 * `This reverts commit X.`) or says it fixes it (an `Envsync-Fixes: X` trailer). Pure.
 */
import type { CommitInfo } from "../git/equivalence.js";
import type { RecordedRollback } from "../gitlab/rollback-record.js";

export interface RejectedCommit {
  sha: string;
  subject: string;
  /** The rollback that undid it: its environment and merge request. */
  rollback: { environment: string; merge_request: number };
}

const sameCommit = (a: string, b: string) =>
  a.length >= 7 && b.length >= 7 && (a.startsWith(b) || b.startsWith(a));

/**
 * @param upstream the commits the promotion brings, newest first (as git and the readers list
 *   them): a fix counts only when it is newer than what it fixes.
 */
export function rejectedCommits(
  upstream: readonly CommitInfo[],
  records: readonly RecordedRollback[],
): RejectedCommit[] {
  const rejected: RejectedCommit[] = [];
  for (const [index, commit] of upstream.entries()) {
    const hit = records
      .flatMap((record) => record.undone.map((undone) => ({ record, undone })))
      .find(
        ({ undone }) =>
          sameCommit(commit.sha, undone.sha) ||
          commit.pickedFrom.some((p) => sameCommit(p, undone.sha)) ||
          undone.picked_from.some((p) => sameCommit(p, commit.sha)) ||
          (commit.patchId !== undefined && commit.patchId === undone.patch_id),
      );
    if (!hit) continue;
    const names = [commit.sha, hit.undone.sha];
    const fixed = upstream
      .slice(0, index)
      .some((later) => (later.fixes ?? []).some((f) => names.some((n) => sameCommit(f, n))));
    if (fixed) continue;
    rejected.push({
      sha: commit.sha,
      subject: commit.subject,
      rollback: {
        environment: hit.record.environment,
        merge_request: hit.record.merge_request.iid,
      },
    });
  }
  return rejected;
}
