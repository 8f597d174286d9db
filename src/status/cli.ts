import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  countOption,
  GITLAB_READ_HELP,
  jsonOption,
  shardOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option("--all-projects", "every project in projects[], batched into few requests")
    .addOption(shardOption())
    .addOption(countOption("--concurrency <n>", "HTTP requests in flight at once").default(16))
    .addOption(
      countOption(
        "--batch <n>",
        "at most this many projects per GraphQL request (fewer where GitLab's complexity limit needs)",
      ).default(5),
    )
    .addOption(jsonOption());

export type StatusOptions = OptionsOf<typeof declare>;

export const statusCli = defineCommand({
  name: "status",
  description:
    "per environment: branch head, latest pipeline, last successful deployment, drift from " +
    "the previous environment",
  declare,
  help: GITLAB_READ_HELP,
  load: () => import("./command.js").then((m) => m.statusCommand),
});
