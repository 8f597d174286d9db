/**
 * `triggers:` in envsync.yaml: what makes GitLab start each flow by itself (native flow triggers,
 * reconciled by `envsync publish`). Every list has a default that works as it is; an empty list
 * means no native trigger, and the flow keeps its CI bridge (the pipeline doctor's `on_failure`
 * job, the drift check's schedule).
 */
import * as z from "zod";

export const CORE_EVENTS = ["mention", "assign", "assign_reviewer"] as const;

export const triggersSchema = z
  .strictObject({
    core: z
      .array(z.enum(CORE_EVENTS))
      .min(1)
      .optional()
      .describe(
        "What starts the core flow: mention, assign, assign_reviewer. Default: catalog.triggers.",
      ),
    pipeline_doctor: z
      .array(z.enum(["failed_pipeline"]))
      .default(["failed_pipeline"])
      .describe(
        "failed_pipeline: GitLab starts the pipeline doctor for a failed pipeline on an " +
          "environment branch (pipeline events: GitLab 18.9+). [] keeps only the CI bridge.",
      ),
    conflict_resolver: z
      .array(z.enum(["merge_request_conflict"]))
      .default(["merge_request_conflict"])
      .describe(
        "merge_request_conflict: GitLab starts the conflict resolver when a merge request " +
          "into an environment branch has conflicts (GitLab 19.1+). [] for mentions only.",
      ),
    drift_check: z
      .array(z.enum(["schedule", "commit"]))
      .default(["schedule"])
      .describe(
        "schedule: the drift check runs on drift.schedule; commit: also after each commit to an " +
          "environment branch (`envsync ci` sets the drift-check job's commit_branches). It is a " +
          "CI job, not a catalog flow, so both are CI rules rather than flow triggers.",
      ),
  })
  .prefault({})
  .describe("What starts each flow: GitLab's native flow triggers, set up by `envsync publish`.");

type ParsedTriggers = z.output<typeof triggersSchema>;

export interface ResolvedTriggers {
  core: (typeof CORE_EVENTS)[number][];
  pipeline_doctor: ParsedTriggers["pipeline_doctor"];
  conflict_resolver: ParsedTriggers["conflict_resolver"];
  drift_check: ParsedTriggers["drift_check"];
}

/** The core flow's events default to `catalog.triggers`, which said the same before. */
export function resolveTriggers(
  parsed: ParsedTriggers,
  catalogTriggers: readonly (typeof CORE_EVENTS)[number][],
): ResolvedTriggers {
  return {
    core: [...new Set(parsed.core ?? catalogTriggers)],
    pipeline_doctor: [...new Set(parsed.pipeline_doctor)],
    conflict_resolver: [...new Set(parsed.conflict_resolver)],
    drift_check: [...new Set(parsed.drift_check)],
  };
}
