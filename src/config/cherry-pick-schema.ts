/**
 * `cherry_pick:` in envsync.yaml: what a pick's merge request carries from the merged MR it picks,
 * and the label a pick that stopped on conflicts gets. Its own module, imported by schema.ts.
 */
import * as z from "zod";

export const CARRIED = ["labels", "assignees", "reviewers", "milestone"] as const;
export type Carried = (typeof CARRIED)[number];

export const cherryPickSchema = z
  .strictObject({
    carry: z
      .array(z.enum(CARRIED))
      .default([...CARRIED])
      .describe(
        "What a pick of a merged MR (`cherry-pick !IID`) copies from it onto the pick's merge " +
          "request. Default: all of labels, assignees, reviewers and milestone.",
      ),
    conflict_label: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^,]+$/, "a label holds no comma")
      .default("envsync::conflict")
      .describe(
        "Label on the draft merge request `cherry-pick --mr` opens when conflicts need judgement.",
      ),
  })
  .describe("How `envsync cherry-pick` opens its merge requests.");

/** The resolved `cherry_pick:`. */
export interface CherryPickConfig {
  carry: Carried[];
  conflict_label: string;
}
