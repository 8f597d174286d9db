/**
 * `envsync learn`'s core: read the record of tier-2 proposals from GitLab, sum it up per category
 * and recommend each category's threshold (stats.ts says how).
 */
import { OTHER_CATEGORY } from "../config/learning-schema.js";
import type { ResolvedConfig } from "../config/types.js";
import type { GitLab } from "../gitlab/access.js";
import type { Io } from "../output/io.js";
import type { AuthorSource } from "./author.js";
import { DISCUSSIONS, LABELLED_MERGE_REQUESTS, MERGE_REQUEST_DIFFS, NOTE_AWARDS } from "./reads.js";
import {
  proposalNotes,
  readRecord,
  type Ignored,
  type Proposal,
  type ReviewMergeRequest,
} from "./record.js";
import { recommend, round, wilsonLower, type Recommendation } from "./stats.js";

export interface CategoryRecord {
  category: string;
  /** Whether envsync.yaml lists it (`other` always is); only these are written. */
  configured: boolean;
  /** Decided proposals: applied, edited and rejected. */
  proposals: number;
  applied: number;
  edited: number;
  rejected: number;
  pending: number;
  /** applied / proposals; null without decided proposals. */
  acceptance: number | null;
  /** The Wilson lower bound of `acceptance` (stats.ts). */
  lower_bound: number;
  threshold: number;
  recommended: Recommendation;
}

export interface LearnReport {
  project: string;
  author: string;
  /** Where `author` came from: `--author`, `conflicts.learning.author` or the flow's consumer. */
  author_source: AuthorSource;
  label: string;
  target: number;
  since: string | null;
  merge_requests: number;
  categories: CategoryRecord[];
  proposals: Proposal[];
  ignored: Ignored[];
}

export async function readProposals(
  gitlab: Pick<GitLab, "rest"> & { project: string },
  options: { author: string; label: string; since?: Date; io?: Io },
): Promise<{ mergeRequests: number; proposals: Proposal[]; ignored: Ignored[] }> {
  const { rest, project } = gitlab;
  const list = await rest.run(LABELLED_MERGE_REQUESTS, {
    project,
    label: options.label,
    ...(options.since ? { updatedAfter: options.since.toISOString() } : {}),
  });
  const mergeRequests: ReviewMergeRequest[] = [];
  for (const [index, mr] of list.entries()) {
    options.io?.status?.(`reading merge request !${mr.iid} (${index + 1}/${list.length})`);
    const discussions = (await rest.run(DISCUSSIONS, { project, iid: mr.iid })).map((d) => ({
      notes: d.notes.map((n) => ({ ...n, suggestions: n.suggestions ?? [] })),
    }));
    const review: ReviewMergeRequest = {
      iid: mr.iid,
      state: mr.state,
      web_url: mr.web_url,
      discussions,
      awards: new Map(),
    };
    const notes = proposalNotes(review, options.author);
    for (const note of notes)
      review.awards.set(
        note.id,
        await rest.run(NOTE_AWARDS, { project, iid: mr.iid, noteId: note.id }),
      );
    if (mr.state === "merged" && notes.some((n) => !n.suggestions.some((s) => s.applied)))
      review.diffs = await rest.run(MERGE_REQUEST_DIFFS, { project, iid: mr.iid });
    mergeRequests.push(review);
  }
  options.io?.status?.("");
  const { proposals, ignored } = readRecord(mergeRequests, {
    author: options.author,
    ...(options.since ? { since: options.since } : {}),
  });
  return { mergeRequests: list.length, proposals, ignored };
}

/** Every configured category, then `other`, then any category on record the file no longer has. */
export function summarize(
  proposals: readonly Proposal[],
  conflicts: Pick<ResolvedConfig["conflicts"], "categories" | "ai_confidence_threshold">,
  target: number,
): CategoryRecord[] {
  const configured = new Map<string, number>([
    ...conflicts.categories.map((c) => [c.name, c.threshold] as const),
    [OTHER_CATEGORY, conflicts.ai_confidence_threshold],
  ]);
  const names = [...configured.keys()];
  for (const p of proposals) if (!names.includes(p.category)) names.push(p.category);
  return names.map((category) => {
    const mine = proposals.filter((p) => p.category === category);
    const decided = mine.filter((p) => p.outcome !== "pending");
    const applied = decided.filter((p) => p.outcome === "applied").length;
    const threshold = configured.get(category) ?? conflicts.ai_confidence_threshold;
    return {
      category,
      configured: configured.has(category),
      proposals: decided.length,
      applied,
      edited: decided.filter((p) => p.outcome === "edited").length,
      rejected: decided.filter((p) => p.outcome === "rejected").length,
      pending: mine.length - decided.length,
      acceptance: decided.length === 0 ? null : round(applied / decided.length),
      lower_bound: round(wilsonLower(applied, decided.length)),
      threshold,
      recommended: recommend(
        decided.map((p) => ({ confidence: p.confidence, accepted: p.outcome === "applied" })),
        threshold,
        target,
      ),
    };
  });
}
