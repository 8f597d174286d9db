import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  countOption,
  jsonOption,
  noFetchOption,
  repoOption,
  shardOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option("--from <env>", "upstream environment of the one pair to check")
    .option("--to <env>", "downstream environment of the one pair to check")
    .addOption(
      new Option(
        "--local",
        "use the local repository's branches (default inside a git checkout)",
      ).conflicts(["api", "allProjects"]),
    )
    .option("--api", "use the GitLab API (compare, commits) instead of a local clone")
    .option("--all-projects", "check every project in projects[] (API), with bounded concurrency")
    .addOption(repoOption("the git repository to read in local mode"))
    .addOption(noFetchOption())
    .addOption(jsonOption())
    .addOption(
      countOption("--concurrency <n>", "projects checked at once with --all-projects").default(8),
    )
    .addOption(shardOption());

export type DriftOptions = OptionsOf<typeof declare>;

export const driftCli = defineCommand({
  name: "drift",
  description:
    "commits pending promotion, picks already applied, hotfixes missing upstream and file " +
    "drift between environments",
  declare,
  help:
    "\nExit codes: 0 nothing unexpected; 3 drift not explained by pending promotions, " +
    "hotfixes missing upstream, or GitLab's protection differing from envsync.yaml (read with " +
    "GITLAB_TOKEN when an environment declares risk or protection; not with --all-projects).",
  load: () => import("./command.js").then((m) => m.driftCommand),
});
