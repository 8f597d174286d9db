/**
 * Which commits of one branch already have an equivalent on the other. Better than `git cherry`,
 * which only compares patch-ids: a pick whose patch changed while a conflict was resolved has a new
 * patch-id, so `git cherry` calls it pending upstream and a hotfix downstream. Evidence, strongest
 * first: the same patch-id; a `(cherry picked from commit X)` trailer naming the other commit (either
 * way); the same author, author date and subject, which `git cherry-pick` keeps even when the patch
 * changes. A fingerprint shared by two commits on one side is ambiguous and never used.
 */
export interface CommitInfo {
  sha: string;
  author: string;
  email: string;
  /** Author date, ISO 8601 with offset, as git stores it. */
  date: string;
  subject: string;
  /** Full SHAs or prefixes named by `(cherry picked from commit X)` lines in the message. */
  pickedFrom: string[];
  /** Absent for commits with no diff (empty commits). */
  patchId?: string;
  /** Commits this one reverts or fixes: `This reverts commit X.` lines, `Envsync-Fixes: X` trailers. */
  fixes?: string[];
}

export type Evidence = "patch-id" | "trailer" | "fingerprint";

export interface AppliedCommit {
  sha: string;
  to_sha: string;
  evidence: Evidence;
}

export interface Equivalence {
  /** Upstream commits with no equivalent downstream, oldest first. */
  pending: CommitInfo[];
  applied: AppliedCommit[];
  /** Downstream commits with no equivalent upstream, oldest first. */
  missingUpstream: CommitInfo[];
}

const TRAILER = /\(cherry picked from commit ([0-9a-f]{7,40})\)/g;

export function pickedFromTrailers(message: string): string[] {
  return [...message.matchAll(TRAILER)].map((m) => m[1]!);
}

const REVERTS = /This reverts commit ([0-9a-f]{7,64})/g;
const FIXES_TRAILER = /^Envsync-Fixes:[ \t]*([0-9a-f]{7,64})[ \t]*$/gim;

/** The commits a message says it reverts (git's own line) or fixes (EnvSync's trailer). */
export function fixesNamed(message: string): string[] {
  return [...message.matchAll(REVERTS), ...message.matchAll(FIXES_TRAILER)].map((m) =>
    m[1]!.toLowerCase(),
  );
}

export function fingerprint(c: Pick<CommitInfo, "author" | "email" | "date" | "subject">): string {
  return `${c.author}\u0000${c.email}\u0000${c.date}\u0000${c.subject}`;
}

/**
 * `upstream` are the commits only on the upstream branch and `downstream` those only on the
 * downstream branch (both newest first, as git lists them).
 */
export function matchCommits(
  upstream: readonly CommitInfo[],
  downstream: readonly CommitInfo[],
): Equivalence {
  const byPatchId = indexBy(downstream, (c) => c.patchId);
  const downstreamFingerprints = uniqueIndex(downstream, fingerprint);
  const upstreamFingerprints = uniqueIndex(upstream, fingerprint);
  const resolveSha = shaResolver(downstream);
  const resolveUpstreamSha = shaResolver(upstream);
  // Downstream commits that name an upstream commit in their trailer.
  const pickedDownstream = new Map<string, CommitInfo>();
  for (const d of downstream)
    for (const ref of d.pickedFrom) {
      const target = resolveUpstreamSha(ref);
      if (target && !pickedDownstream.has(target.sha)) pickedDownstream.set(target.sha, d);
    }

  const applied: AppliedCommit[] = [];
  const pending: CommitInfo[] = [];
  const matchedDownstream = new Set<string>();
  for (const u of upstream) {
    const match = findEquivalent(u);
    if (match) {
      applied.push({ sha: u.sha, to_sha: match.commit.sha, evidence: match.evidence });
      matchedDownstream.add(match.commit.sha);
    } else pending.push(u);
  }

  // A downstream commit is accounted for upstream when an upstream commit is its equivalent; the
  // usual case is a hotfix brought back up, whose trailer names the downstream commit.
  const upstreamByPatchId = indexBy(upstream, (c) => c.patchId);
  const namedByUpstream = new Set<string>();
  for (const u of upstream)
    for (const ref of u.pickedFrom) {
      const target = resolveSha(ref);
      if (target) namedByUpstream.add(target.sha);
    }
  const missingUpstream = downstream.filter((d) => {
    if (matchedDownstream.has(d.sha) || namedByUpstream.has(d.sha)) return false;
    if (d.patchId && upstreamByPatchId.has(d.patchId)) return false;
    const fp = fingerprint(d);
    return !(upstreamFingerprints.get(fp) && downstreamFingerprints.get(fp));
  });

  return {
    pending: pending.reverse(),
    applied: applied.reverse(),
    missingUpstream: missingUpstream.reverse(),
  };

  function findEquivalent(u: CommitInfo): { commit: CommitInfo; evidence: Evidence } | undefined {
    const samePatch = u.patchId ? byPatchId.get(u.patchId)?.[0] : undefined;
    if (samePatch) return { commit: samePatch, evidence: "patch-id" };
    const picked = pickedDownstream.get(u.sha);
    if (picked) return { commit: picked, evidence: "trailer" };
    // The upstream commit may itself be the pick of a downstream commit (brought back up).
    for (const ref of u.pickedFrom) {
      const target = resolveSha(ref);
      if (target) return { commit: target, evidence: "trailer" };
    }
    const fp = fingerprint(u);
    const sameFingerprint = upstreamFingerprints.get(fp)
      ? downstreamFingerprints.get(fp)
      : undefined;
    if (sameFingerprint) return { commit: sameFingerprint, evidence: "fingerprint" };
    return undefined;
  }
}

function indexBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** Key → item, leaving out keys that more than one item shares. */
function uniqueIndex<T>(items: readonly T[], key: (item: T) => string): Map<string, T | undefined> {
  const map = new Map<string, T | undefined>();
  for (const item of items) {
    const k = key(item);
    map.set(k, map.has(k) ? undefined : item);
  }
  return map;
}

/** Resolves a full SHA or a unique prefix (trailers may be abbreviated) among the given commits. */
function shaResolver(commits: readonly CommitInfo[]): (ref: string) => CommitInfo | undefined {
  const exact = new Map(commits.map((c) => [c.sha, c]));
  return (ref) => {
    const full = exact.get(ref);
    if (full) return full;
    if (ref.length >= 40) return undefined;
    const candidates = commits.filter((c) => c.sha.startsWith(ref));
    return candidates.length === 1 ? candidates[0] : undefined;
  };
}
