/**
 * `rollback.auto`: the opt-in for EnvSync to roll back on its own after the pipeline doctor's
 * diagnosis of a failed pipeline (`envsync rollback --after-pipeline`). Off unless environments
 * are listed.
 */
import * as z from "zod";

export const rollbackAutoSchema = z
  .strictObject({
    environments: z
      .array(z.string().describe("Name of an environment defined under `environments`."))
      .default([])
      .describe(
        "Environments EnvSync may roll back on its own after a failed pipeline. Listing one " +
          "confirms its rollbacks. Default: none (off).",
      ),
    min_confidence: z
      .number()
      .min(0, "must be between 0 and 1")
      .max(1, "must be between 0 and 1")
      .default(0.9)
      .describe("The confidence the doctor's verdict that specific commits broke it needs."),
    cooldown_minutes: z
      .number()
      .int("must be a whole number")
      .min(0)
      .max(10_080)
      .default(60)
      .describe("No second automatic rollback of an environment within this many minutes."),
  })
  .prefault({})
  .describe("Automatic rollback after the pipeline doctor's diagnosis (opt-in).");

export type RollbackAuto = z.output<typeof rollbackAutoSchema>;
