import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  confirmOption,
  dryRunOption,
  jsonOption,
  noFetchOption,
  repoOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .argument("<from>", "environment the changes come from")
    .argument("<to>", "the next environment in the promotion chain")
    .addOption(configOption())
    .addOption(dryRunOption("check the gates and list what is pending; open no merge request"))
    .addOption(confirmOption("promote into"))
    .addOption(
      new Option("--local", "read the branches from the local repository").conflicts("api"),
    )
    .option("--api", "read the branches through the GitLab API")
    .addOption(repoOption("the git repository, in local mode"))
    .addOption(noFetchOption())
    .addOption(jsonOption());

export type PromoteOptions = OptionsOf<typeof declare> & { from: string; to: string };

export const promoteCli = defineCommand({
  name: "promote",
  description:
    "check the promotion gates from one environment to the next and open (or update) the " +
    "promotion merge request",
  declare,
  input: ([from, to], options): PromoteOptions => ({ ...options, from, to }),
  help:
    "\nExit codes: 0 allowed (and the merge request opened, unless --dry-run); 3 a gate blocks." +
    "\nGates (promotion.gates): the source pipeline, the source deployment, the soak time, no " +
    "hotfix on the target missing from the source, always_manual paths.",
  load: () => import("./command.js").then((m) => m.promoteCommand),
});
