import { defineCommand, type OptionsOf } from "../command/define.js";
import { dryRunOption, jsonOption, repoOption } from "../command/options.js";
import type { Command } from "@commander-js/extra-typings";

const declare = (command: Command) =>
  command
    .option("-o, --output <file>", "where to write it (default: envsync.yaml in the repository)")
    .addOption(repoOption("the git repository to read"))
    .option("-y, --yes", "write without asking")
    .addOption(dryRunOption("print the file; write nothing"))
    .addOption(jsonOption());

export type InitOptions = OptionsOf<typeof declare>;

export const initCli = defineCommand({
  name: "init",
  description:
    "write a commented envsync.yaml from the repository's branches and migration folders (and " +
    "GitLab's environments and protected branches, with a token); never overwrites",
  declare,
  load: () => import("./command.js").then((m) => m.initCommand),
});
