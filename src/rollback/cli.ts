import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  confirmOption,
  countOption,
  dryRunOption,
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

const declareRollback = (command: Command) =>
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
    .addOption(
      new Option(
        "--via <how>",
        "revert: a merge request of reverts into the environment's branch; redeploy: re-run " +
          "the target deployment's job, as GitLab's own rollback does",
      )
        .choices(["revert", "redeploy"] as const)
        .default("revert" as const),
    )
    .addOption(confirmOption("roll back"))
    .addOption(
      new Option(
        "--after-diagnosis <file>",
        "automatic rollback: act on `envsync doctor --json` output only as rollback.auto allows " +
          "(via revert)",
      ).conflicts("via"),
    )
    .addOption(dryRunOption("check the gate and show the plan; change nothing"))
    .addOption(repoOption("the git repository"))
    .addOption(noFetchOption())
    .addOption(jsonOption());

export type RollbackOptions = OptionsOf<typeof declareRollback>;

export const rollbackCli = defineCommand({
  name: "rollback",
  description:
    "roll an environment back to an earlier deployment, gated by rollback-check: a merge " +
    "request of reverts, or a re-run of the target's deploy job",
  declare: declareRollback,
  help:
    "\nExit codes: 0 done (or planned, under --dry-run, or nothing left to do); 3 blocked by " +
    "the gate (an irreversible migration, or a protected environment without --confirm), " +
    "stopped on a conflict that needs judgement, a redeploy GitLab refuses, or an automatic " +
    "rollback whose conditions do not hold; nothing was changed.\nThe merge request needs GITLAB_TOKEN (api scope; a Duo flow job's token will " +
    "do); without a token the branch is left in the local repository.",
  load: () => import("./rollback-command.js").then((m) => m.rollbackCommand),
});
