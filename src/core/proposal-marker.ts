/**
 * The machine-readable marker each tier-2 proposal of the conflict-resolver flow carries, as the
 * last line of its suggestion note:
 *
 *   <!-- envsync:proposal id=1a2b3c4-1 category=config confidence=0.85 -->
 *
 * The conflict-resolver's outcome prompt shows this shape (a test holds it equal to
 * PROPOSAL_MARKER_SHAPE) and `envsync learn` reads it back. Reading is strict: anything else that mentions `envsync:proposal` makes the
 * note unreadable rather than half-read, and a note of anyone but the flow's account is never read
 * (learn/record.ts).
 */
export interface ProposalMarker {
  /** Unique per proposal: the picked commit's short SHA and the proposal's number, `1a2b3c4-2`. */
  id: string;
  category: string;
  /** In [0, 1], at most three decimals. */
  confidence: number;
}

const TAG = "envsync:proposal";
const LINE =
  /^<!-- envsync:proposal id=([a-z0-9][a-z0-9._-]{0,63}) category=([a-z][a-z0-9_-]{0,39}) confidence=(0(?:\.\d{1,3})?|1(?:\.0{1,3})?) -->$/;

/** What the flow is told to write, with placeholders (the conflict-resolver template has it). */
export const PROPOSAL_MARKER_SHAPE = `<!-- ${TAG} id=ID category=CATEGORY confidence=CONFIDENCE -->`;

export type MarkerReading =
  | { kind: "none" }
  | { kind: "marker"; marker: ProposalMarker }
  | { kind: "malformed"; reason: string };

/**
 * The marker of a note body: none when no line mentions it; malformed when a line mentions it but
 * is not exactly the shape, when it is not the note's last non-empty line, or when there is more
 * than one (a quoted marker inside a proposal must not pass for the proposal's own).
 */
export function readProposalMarker(body: string): MarkerReading {
  const lines = body.split(/\r?\n/);
  const mentions = lines.filter((line) => line.toLowerCase().includes(TAG));
  if (mentions.length === 0) return { kind: "none" };
  if (mentions.length > 1) return { kind: "malformed", reason: "more than one proposal marker" };
  const last = [...lines].reverse().find((line) => line.trim() !== "");
  if (last !== mentions[0]) return { kind: "malformed", reason: "the marker is not the last line" };
  const match = LINE.exec(mentions[0]!);
  if (!match) return { kind: "malformed", reason: "the marker is not of the expected shape" };
  return {
    kind: "marker",
    marker: { id: match[1]!, category: match[2]!, confidence: Number(match[3]) },
  };
}
