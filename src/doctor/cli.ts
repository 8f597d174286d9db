import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, countOption, GITLAB_READ_HELP, jsonOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .addOption(countOption("--pipeline <id>", "the failed pipeline's id").makeOptionMandatory())
    .option(
      "--screen",
      "only decide whether to diagnose: exit 0 (diagnose) for a failed pipeline on an " +
        "environment branch not yet reported, else exit 3 (skip), with the reason",
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
