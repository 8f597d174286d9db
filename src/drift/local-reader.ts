/**
 * Reads what drift needs for one pair from a local repository: the commits only on each side (with
 * patch-ids and cherry-pick trailers), the paths each touches, and the files that differ between
 * the tips. Branches resolve to local refs, falling back to origin/<branch>.
 */
import { commitsIn, patchIds, requireFullHistory, resolveBranch } from "../git/commits.js";
import type { Git } from "../git/git.js";
import type { FileChange } from "./file-drift.js";
import type { PairInput } from "./pair.js";

const RS = "\u001e";

export async function readPairLocal(
  git: Git,
  pair: { from: string; to: string; fromBranch: string; toBranch: string },
): Promise<PairInput> {
  await requireFullHistory(git);
  const [fromSha, toSha] = await Promise.all([
    resolveBranch(git, pair.fromBranch),
    resolveBranch(git, pair.toBranch),
  ]);
  const upRange = `${toSha}..${fromSha}`;
  const downRange = `${fromSha}..${toSha}`;
  const [upstream, downstream, upPatchIds, downPatchIds, files, touched, touchedDown] =
    await Promise.all([
      commitsIn(git, upRange),
      commitsIn(git, downRange),
      patchIds(git, upRange),
      patchIds(git, downRange),
      changedFiles(git, toSha, fromSha),
      pathsTouched(git, upRange),
      pathsTouched(git, downRange),
    ]);
  for (const c of upstream) c.patchId = upPatchIds.get(c.sha);
  for (const c of downstream) c.patchId = downPatchIds.get(c.sha);
  return {
    ...pair,
    fromSha,
    toSha,
    upstream,
    downstream,
    files,
    pathsOf: (commits) => new Set(commits.flatMap((c) => touched.get(c.sha) ?? [])),
    touchedBy: (sha) => touched.get(sha) ?? touchedDown.get(sha),
  };
}

/** sha → paths the commit touches. */
async function pathsTouched(git: Git, range: string): Promise<Map<string, string[]>> {
  const out = await git.run([
    "-c",
    "core.quotePath=false",
    "log",
    "--no-merges",
    "--name-only",
    `--format=${RS}%H`,
    range,
    "--",
  ]);
  const touched = new Map<string, string[]>();
  for (const record of out.split(RS).filter(Boolean)) {
    const [sha, ...paths] = record.split("\n").filter(Boolean);
    if (sha) touched.set(sha, paths);
  }
  return touched;
}

/** What promoting `to` → `from` would change: `git diff --name-status -M <to> <from>`. */
async function changedFiles(git: Git, toSha: string, fromSha: string): Promise<FileChange[]> {
  const out = await git.run([
    "diff",
    "--name-status",
    "-M",
    "-z",
    "--no-ext-diff",
    toSha,
    fromSha,
    "--",
  ]);
  const fields = out.split("\0");
  const changes: FileChange[] = [];
  for (let i = 0; i < fields.length - 1;) {
    const status = fields[i++]!;
    if (!status) continue;
    if (status.startsWith("R") || status.startsWith("C")) {
      const oldPath = fields[i++]!;
      changes.push({ status: status[0]!, path: fields[i++]!, oldPath });
    } else changes.push({ status, path: fields[i++]! });
  }
  return changes;
}
