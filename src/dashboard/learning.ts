/**
 * The dashboard's record of the conflict resolver's tier-2 proposals, from a report of
 * `envsync learn --json` (`dashboard --learn-report FILE`): per category, the proposals decided,
 * those applied, the Wilson lower bound, the threshold and the one the record supports. The file
 * is outside input, so it is read by shape and every value rendered inert.
 */
import * as z from "zod";
import { usageError } from "../errors.js";
import { code, count } from "../gitlab/markdown.js";

const unit = z.number().min(0).max(1);
const LEARN_REPORT = z.object({
  target: unit,
  categories: z
    .array(
      z.object({
        category: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
        configured: z.boolean(),
        proposals: z.number().int().nonnegative(),
        applied: z.number().int().nonnegative(),
        pending: z.number().int().nonnegative(),
        lower_bound: unit,
        threshold: unit,
        recommended: z.object({ threshold: unit }),
      }),
    )
    .max(200),
});
type LearnRecord = z.output<typeof LEARN_REPORT>;

export function readLearnReport(file: string, text: string): LearnRecord {
  const hint = "write it with `envsync learn --json > FILE`";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`cannot read the learn report ${file}: it is not JSON`, {
      hint,
      code: "report-unreadable",
    });
  }
  const parsed = LEARN_REPORT.safeParse(value);
  if (!parsed.success)
    throw usageError(`${file} is not a report of \`envsync learn --json\``, {
      hint,
      code: "not-a-learn-report",
    });
  return parsed.data;
}

export function renderLearning(record: LearnRecord): string[] {
  return [
    "",
    "### Conflict resolver: tier-2 record",
    "",
    `Accepted means applied as proposed; the bound is the Wilson lower bound (95 %) of that share. ` +
      `Target ${record.target}.`,
    "",
    "| category | proposals | accepted | lower bound | threshold | supported |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...record.categories.map(
      (c) =>
        `| ${[
          code(c.category) + (c.configured ? "" : " (not configured)"),
          count(c.proposals) + (c.pending ? ` (+${count(c.pending)} open)` : ""),
          count(c.applied),
          c.lower_bound.toFixed(2),
          String(c.threshold),
          c.recommended.threshold === c.threshold
            ? String(c.threshold)
            : `**${c.recommended.threshold}**`,
        ].join(" | ")} |`,
    ),
  ];
}

/** The section goes before the hidden state line a description ends with, when it has one. */
export function withSection(description: string, section: readonly string[]): string {
  const lines = description.split("\n");
  const at = lines.findLastIndex((line) => line.startsWith("<!-- envsync:dashboard "));
  if (at < 0) return [...lines, ...section].join("\n");
  const before = lines.slice(0, at);
  while (before.at(-1) === "") before.pop();
  return [...before, ...section, "", ...lines.slice(at)].join("\n");
}
