/**
 * The record of tier-2 proposals: from the merge requests EnvSync labelled, their discussions, the
 * award emoji on each proposal note and, for a merged one, its final diff, each proposal's outcome.
 *
 * Only notes by the flow's account count (`author`): anyone may paste a marker into a comment.
 * A marker written by someone else, or one not of the exact shape, is ignored and reported, never
 * read half-way. Reactions cut one way only: a thumbs-down by anyone but the flow's account
 * rejects a proposal, so a hostile reaction can make EnvSync more cautious, never less.
 */
import { readProposalMarker, type ProposalMarker } from "../core/proposal-marker.js";

export type Outcome = "applied" | "edited" | "rejected" | "pending";

export interface ReviewSuggestion {
  applied: boolean;
  to_content: string;
}

export interface ReviewNote {
  id: number;
  body: string;
  author: { id: number; username: string };
  created_at: string;
  system: boolean;
  resolved?: boolean | null | undefined;
  position?: { new_path?: string | null | undefined } | null | undefined;
  suggestions: ReviewSuggestion[];
}

export interface ReviewMergeRequest {
  iid: number;
  state: string;
  web_url: string;
  discussions: { notes: ReviewNote[] }[];
  /** Award names by user, for each proposal note read. */
  awards: Map<number, { name: string; user: { username: string } }[]>;
  /** A merged MR's final diff, file by file (new path, unified diff). */
  diffs?: { new_path: string; diff: string }[];
}

export interface Proposal extends ProposalMarker {
  mr: number;
  note: number;
  path: string | null;
  outcome: Outcome;
  /** Why this outcome, for people. */
  why: string;
}

export interface Ignored {
  mr: number;
  note: number;
  reason: string;
}

/** GitLab's names for a thumbs-down (`:thumbsdown:` and its alias `:-1:`). */
const THUMBS_DOWN = new Set(["thumbsdown", "-1"]);

/** The notes that carry a marker by the flow's account: what `gather` fetches awards for. */
export function proposalNotes(
  mr: Pick<ReviewMergeRequest, "discussions">,
  author: string,
): ReviewNote[] {
  return mr.discussions
    .flatMap((d) => d.notes)
    .filter(
      (n) =>
        !n.system &&
        sameUser(n.author.username, author) &&
        readProposalMarker(n.body).kind !== "none",
    );
}

export function readRecord(
  mergeRequests: readonly ReviewMergeRequest[],
  options: { author: string; since?: Date },
): { proposals: Proposal[]; ignored: Ignored[] } {
  const proposals: Proposal[] = [];
  const ignored: Ignored[] = [];
  const seen = new Set<string>();
  for (const mr of mergeRequests) {
    for (const note of mr.discussions.flatMap((d) => d.notes)) {
      if (note.system) continue;
      const reading = readProposalMarker(note.body);
      if (reading.kind === "none") continue;
      const skip = (reason: string) => ignored.push({ mr: mr.iid, note: note.id, reason });
      if (!sameUser(note.author.username, options.author)) {
        skip(`a proposal marker in a note by another account than ${options.author}`);
        continue;
      }
      if (reading.kind === "malformed") {
        skip(reading.reason);
        continue;
      }
      if (options.since && !(Date.parse(note.created_at) >= options.since.getTime())) continue;
      if (note.suggestions.length === 0) {
        skip("a proposal marker in a note without a suggestion");
        continue;
      }
      if (seen.has(reading.marker.id)) {
        skip(`proposal ${reading.marker.id} appears again`);
        continue;
      }
      seen.add(reading.marker.id);
      proposals.push({
        ...reading.marker,
        mr: mr.iid,
        note: note.id,
        path: note.position?.new_path ?? null,
        ...outcomeOf(mr, note, options.author),
      });
    }
  }
  return { proposals, ignored };
}

function outcomeOf(
  mr: ReviewMergeRequest,
  note: ReviewNote,
  author: string,
): { outcome: Outcome; why: string } {
  const down = (mr.awards.get(note.id) ?? []).find(
    (a) => THUMBS_DOWN.has(a.name) && !sameUser(a.user.username, author),
  );
  if (down) return { outcome: "rejected", why: "a thumbs-down on the proposal" };
  if (note.suggestions.some((s) => s.applied))
    return { outcome: "applied", why: "its suggestion was applied" };
  if (mr.state === "merged") return byFinalDiff(mr, note);
  if (mr.state === "closed") return { outcome: "rejected", why: "the merge request was closed" };
  if (note.resolved) return { outcome: "rejected", why: "resolved without applying it" };
  return { outcome: "pending", why: "the merge request is still open" };
}

/**
 * A merged MR whose suggestion was not applied: the proposal's lines against the new side of the
 * file's final diff. All there: applied as proposed (copied in by hand); at least half: applied
 * after a human edit; fewer: rejected (resolved another way).
 */
function byFinalDiff(mr: ReviewMergeRequest, note: ReviewNote): { outcome: Outcome; why: string } {
  const path = note.position?.new_path;
  const file = path ? mr.diffs?.find((d) => d.new_path === path) : undefined;
  if (!file) return { outcome: "rejected", why: "merged without changing the file" };
  const newSide = new Set(
    file.diff
      .split("\n")
      .filter((line) => /^[+ ]/.test(line) && !line.startsWith("+++"))
      .map((line) => line.slice(1).trimEnd()),
  );
  const proposed = note.suggestions
    .flatMap((s) => s.to_content.split("\n"))
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
  if (proposed.length === 0)
    // A suggestion that deletes lines: applied when none of what it removed is left is not
    // knowable from the diff alone, so it counts as not applied.
    return { outcome: "rejected", why: "merged; a deletion that was not applied" };
  const kept = proposed.filter((line) => newSide.has(line)).length;
  if (kept === proposed.length)
    return { outcome: "applied", why: "merged with the proposed lines" };
  if (kept * 2 >= proposed.length)
    return {
      outcome: "edited",
      why: `merged with ${kept} of ${proposed.length} proposed lines`,
    };
  return { outcome: "rejected", why: `merged with ${kept} of ${proposed.length} proposed lines` };
}

/** GitLab usernames are case-insensitive. */
function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
