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
    .argument("<ref...>", "commits to pick, in order; or one merged merge request as !IID")
    .addOption(configOption())
    .requiredOption(
      "--to <env>",
      "environment whose branch receives the picks; several as ENV,ENV (picked in chain order), " +
        "or `downstream`: every environment after the one the commits are on",
    )
    .option(
      "--mr",
      "push the branch and open a merge request into the environment's branch, a draft with the " +
        "conflict markers when conflicts need judgement (needs GITLAB_TOKEN)",
    )
    .addOption(
      dryRunOption(
        "pick in a throwaway worktree and report the plan; create no branch, push nothing",
      ),
    )
    .addOption(confirmOption("write into"))
    .option("--stop-on-conflict", "with several targets: stop at the first that conflicts")
    .addOption(
      new Option(
        "--auto-merge",
        "with --mr: merge the pick when its pipeline succeeds, where the token may",
      ),
    )
    .addOption(
      new Option(
        "--resolver <how>",
        "with --mr, how the conflict-resolver flow is started on a draft merge request: " +
          "mention its service account, start it through the workflows API (mention where " +
          "GitLab has none), or none",
      )
        .choices(["mention", "api", "none"] as const)
        .default("mention" as const),
    )
    .addOption(repoOption("the git repository"))
    .addOption(noFetchOption())
    .addOption(jsonOption());

export type CherryPickOptions = OptionsOf<typeof declare> & { refs: string[] };

export const cherryPickCli = defineCommand({
  name: "cherry-pick",
  description:
    "pick commits or a merged merge request onto environment branches in temporary worktrees, " +
    "resolving tier-1 conflicts by rule",
  declare,
  input: ([refs], options): CherryPickOptions => ({ ...options, refs }),
  help:
    "\nExit codes: 0 picked (or nothing to pick); 3 stopped on conflicts that need judgement " +
    "(nothing applied; with --mr, a draft merge request holds them); 1 a target failed." +
    "\n--confirm takes ENV or ENV,ENV: every protected target must be named." +
    "\nA merged merge request (!IID) is picked as its merge method left it: its merge commit " +
    "(-m 1), its squash commit, or its commits (fast-forward).",
  load: () => import("./command.js").then((m) => m.cherryPickCommand),
});
