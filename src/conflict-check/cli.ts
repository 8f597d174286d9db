import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, countOption, GITLAB_READ_HELP, jsonOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .addOption(
      countOption("--merge-request <iid>", "the merge request's iid").makeOptionMandatory(),
    )
    .addOption(jsonOption());

export type ConflictCheckOptions = OptionsOf<typeof declare>;

export const conflictCheckCli = defineCommand({
  name: "conflict-check",
  description:
    "whether the conflict resolver should act: exit 0 for an open merge request into an " +
    "environment branch that has conflicts, else exit 3 (skip), with the reason",
  declare,
  help: GITLAB_READ_HELP,
  load: () => import("./command.js").then((m) => m.conflictCheckCommand),
});
