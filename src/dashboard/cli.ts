import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  dryRunOption,
  jsonOption,
  noFetchOption,
  repoOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option(
      "--report <file>",
      "a report from `envsync drift --json` (default: compute drift in the repository)",
    )
    .option(
      "--learn-report <file>",
      "a report from `envsync learn --json`: adds the conflict resolver's tier-2 record",
    )
    .addOption(repoOption("the git repository, when no --report is given"))
    .addOption(noFetchOption())
    .addOption(
      dryRunOption(
        "print the description from the drift facts (without what only GitLab says: protection, " +
          "rollbacks, health); touch nothing",
      ),
    )
    .addOption(jsonOption());

export type DashboardOptions = OptionsOf<typeof declare>;

export const dashboardCli = defineCommand({
  name: "dashboard",
  description:
    "keep the dashboard issue current with the latest drift report (created if absent; a note " +
    "when something changed)",
  declare,
  load: () => import("./command.js").then((m) => m.dashboardCommand),
});
