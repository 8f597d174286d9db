import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, dryRunOption, jsonOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option("--dir <dir>", "directory of the compiled flows", "flows")
    .addOption(
      dryRunOption(
        "read the catalog and print what would change, with diffs; write nothing (without a " +
          "token or GitLab: the plan from the local build, exit 3)",
      ),
    )
    .option(
      "--release <x.y.z>",
      "catalog version for updated items (default: the next patch version)",
    )
    .addOption(jsonOption());

export type PublishOptions = OptionsOf<typeof declare>;

export const publishCli = defineCommand({
  name: "publish",
  description:
    "publish the compiled flows and the assistant to the GitLab AI Catalog and enable them " +
    "(needs GITLAB_TOKEN)",
  declare,
  help:
    "\nEnvironment: GITLAB_TOKEN (api scope), GITLAB_URL or CI_SERVER_URL " +
    "(default https://gitlab.com).",
  load: () => import("./command.js").then((m) => m.publishCommand),
});
