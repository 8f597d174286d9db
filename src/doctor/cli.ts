import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, countOption, GITLAB_READ_HELP, jsonOption } from "../command/options.js";

/** Ci::HasStatus::AVAILABLE_STATUSES: what a pipeline event's status can be. */
const PIPELINE_STATUSES = [
  "created",
  "waiting_for_resource",
  "preparing",
  "waiting_for_callback",
  "pending",
  "running",
  "success",
  "failed",
  "canceled",
  "canceling",
  "skipped",
  "manual",
  "scheduled",
] as const;

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .addOption(countOption("--pipeline <id>", "the failed pipeline's id").makeOptionMandatory())
    .option(
      "--screen",
      "only decide whether to diagnose: exit 0 (diagnose) for a failed pipeline on an " +
        "environment branch not yet reported, else exit 3 (skip), with the reason",
    )
    .addOption(
      new Option(
        "--event-status <status>",
        "with --screen: the status GitLab's pipeline event reported (the flow may start on " +
          "every change; only the change to failed is diagnosed)",
      ).choices(PIPELINE_STATUSES),
    )
    .addOption(
      new Option(
        "--output <file>",
        "also write the diagnosis as JSON to FILE, for `envsync rollback --after-diagnosis " +
          "FILE` (a flow's run_command has no shell to redirect with)",
      ).conflicts("screen"),
    )
    .addOption(jsonOption());

export type DoctorOptions = OptionsOf<typeof declare>;

export const doctorCli = defineCommand({
  name: "doctor",
  description:
    "triage a failed pipeline: first errors, last green runs, what changed, ranked hypotheses",
  declare,
  help: GITLAB_READ_HELP,
  load: () => import("./command.js").then((m) => m.doctorCommand),
});
