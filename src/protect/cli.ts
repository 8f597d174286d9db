import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, dryRunOption, jsonOption, repoOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .addOption(
      dryRunOption("read GitLab's protection and print the changes; change nothing (drift check)"),
    )
    .addOption(
      repoOption("the git repository whose origin names the project, when nothing else does"),
    )
    .addOption(jsonOption());

export type ProtectOptions = OptionsOf<typeof declare>;

export const protectCli = defineCommand({
  name: "protect",
  description:
    "make GitLab's branch and environment protection match each environment's risk and " +
    "protection in envsync.yaml: plan the smallest change, print it as a diff, apply it",
  declare,
  help:
    "\nExit codes: 0 GitLab is in line (or was brought in line); 3 with --dry-run, changes are " +
    "needed." +
    "\nEnvironment: GITLAB_TOKEN of a Maintainer, 'api' scope ('read_api' is enough for " +
    "--dry-run; GitLab refuses CI_JOB_TOKEN here), GITLAB_URL or CI_SERVER_URL.",
  load: () => import("./command.js").then((m) => m.protectCommand),
});
