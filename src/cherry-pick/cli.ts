import type { Command } from "@commander-js/extra-typings";
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
    .argument("<sha...>", "commits to pick, in order")
    .addOption(configOption())
    .requiredOption("--to <env>", "environment whose branch receives the picks")
    .option(
      "--mr",
      "push the branch and open a merge request into the environment's branch " +
        "(needs GITLAB_TOKEN)",
    )
    .addOption(
      dryRunOption("pick in a throwaway worktree and report; create no branch").conflicts("mr"),
    )
    .addOption(confirmOption("write into"))
    .addOption(repoOption("the git repository"))
    .addOption(noFetchOption())
    .addOption(jsonOption());

export type CherryPickOptions = OptionsOf<typeof declare> & { shas: string[] };

export const cherryPickCli = defineCommand({
  name: "cherry-pick",
  description:
    "pick commits onto an environment's branch in a temporary worktree, resolving tier-1 " +
    "conflicts by rule",
  declare,
  input: ([shas], options): CherryPickOptions => ({ ...options, shas }),
  help:
    "\nExit codes: 0 picked (or nothing to pick); 3 stopped on conflicts that need judgement " +
    "(nothing applied).",
  load: () => import("./command.js").then((m) => m.cherryPickCommand),
});
