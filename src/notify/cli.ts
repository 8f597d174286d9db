import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, defineGroup, type OptionsOf } from "../command/define.js";
import {
  configOption,
  countOption,
  dryRunOption,
  issueIid,
  jsonOption,
  parseBool,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .addOption(
      new Option(
        "--via <how>",
        "api: start the flow directly; mention: post a note that mentions its service account",
      )
        .choices(["api", "mention"] as const)
        .default("api" as const),
    )
    .addOption(
      new Option(
        "--issue <iid>",
        "issue to report on when the pipeline has no merge request (default: the dashboard issue)",
      ).argParser(issueIid),
    )
    .addOption(
      new Option("--all-branches [bool]", "also triage branches that are not environment branches")
        .argParser(parseBool)
        .default(false),
    )
    .addOption(countOption("--pipeline <id>", "pipeline id (default: CI_PIPELINE_ID)"))
    .addOption(
      dryRunOption("gather the evidence and say what would happen; start and post nothing"),
    )
    .addOption(jsonOption());

export type NotifyOptions = OptionsOf<typeof declare>;

const pipelineFailureCli = defineCommand({
  name: "pipeline-failure",
  description:
    "in a `when: on_failure` job: gather the evidence and start the pipeline-doctor flow " +
    "(once per pipeline)",
  declare,
  help:
    "\nEnvironment: GITLAB_TOKEN (api scope; CI_JOB_TOKEN cannot post notes) and GitLab CI's " +
    "predefined variables.",
  load: () => import("./command.js").then((m) => m.notifyCommand),
});

export const notifyCli = defineGroup({
  name: "notify",
  description: "CI bridges that start EnvSync flows where GitLab has no trigger",
  commands: [pipelineFailureCli],
});
