/**
 * The picks a conflicting pick is waiting for: commits on the picked commit's side, not yet on the
 * target (by the same equivalence as drift), that last touched the lines the picked commit changes
 * in a conflicting file. Picking them first, oldest first, gives the picked commit the text it was
 * written against.
 */
import { commitsIn, patchIds } from "../git/commits.js";
import { matchCommits } from "../git/equivalence.js";
import { tryGit, type Git } from "../git/git.js";

export interface Prerequisite {
  sha: string;
  subject: string;
}

/** Line ranges (1-based, inclusive) of the parent's text that `sha` changes in `path`. */
async function changedLines(git: Git, sha: string, path: string): Promise<[number, number][]> {
  const diff = await git.run([
    "diff",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    `${sha}^`,
    sha,
    "--",
    path,
  ]);
  const ranges: [number, number][] = [];
  for (const m of diff.matchAll(/^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/gm)) {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    // An insertion changes no old line: the lines around it decide where it goes.
    ranges.push(count === 0 ? [Math.max(1, start), start + 1] : [start, start + count - 1]);
  }
  return ranges;
}

/** Commits that last touched those lines, per `git blame` of the picked commit's parent. */
async function blamed(git: Git, sha: string, path: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (const [start, end] of await changedLines(git, sha, path)) {
    // A line range the parent lacks, or a root commit, answers 128: nothing to blame there.
    const out = await tryGit(git, [
      "blame",
      "--porcelain",
      "-L",
      `${start},${end}`,
      `${sha}^`,
      "--",
      path,
    ]);
    for (const m of out.stdout.matchAll(/^([0-9a-f]{40}) \d+ \d+/gm)) found.add(m[1]!);
  }
  return found;
}

export async function prerequisitesOf(
  git: Git,
  picked: string,
  targetSha: string,
  paths: readonly string[],
): Promise<Prerequisite[]> {
  const touched = new Set<string>();
  for (const path of paths) for (const sha of await blamed(git, picked, path)) touched.add(sha);
  if (touched.size === 0) return [];
  // What the picked commit's side has that the target lacks, by drift's equivalence.
  const sourceRange = `${targetSha}..${picked}^`;
  const targetRange = `${picked}^..${targetSha}`;
  const [upstream, downstream, upIds, downIds] = await Promise.all([
    commitsIn(git, sourceRange),
    commitsIn(git, targetRange),
    patchIds(git, sourceRange),
    patchIds(git, targetRange),
  ]);
  for (const c of upstream) c.patchId = upIds.get(c.sha);
  for (const c of downstream) c.patchId = downIds.get(c.sha);
  // matchCommits lists pending oldest first.
  return matchCommits(upstream, downstream)
    .pending.filter((c) => touched.has(c.sha))
    .map((c) => ({ sha: c.sha, subject: c.subject }));
}
