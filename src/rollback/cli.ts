import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  countOption,
  jsonOption,
  noFetchOption,
  repoOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .requiredOption("--env <env>", "environment to roll back")
    .addOption(
      new Option(
        "--to <sha>",
        "target commit (default: the previous successful deployment)",
      ).conflicts("toDeployment"),
    )
    .addOption(countOption("--to-deployment <id>", "target deployment id"))
    .addOption(repoOption("the git repository to read"))
    .addOption(noFetchOption())
    .addOption(jsonOption());

export type RollbackCheckOptions = OptionsOf<typeof declare>;

export const rollbackCheckCli = defineCommand({
  name: "rollback-check",
  description:
    "before a rollback: deployed vs target, commits and migrations in between, risk and the " +
    "confirmation required",
  declare,
  help:
    "\nExit codes: 0 not blocked; 3 blocked by an irreversible migration.\n" +
    "Deployments are read from GitLab when GITLAB_TOKEN (or CI_JOB_TOKEN) and the project " +
    "are known.",
  load: () => import("./command.js").then((m) => m.rollbackCheckCommand),
});
