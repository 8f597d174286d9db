import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, jsonOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option("-o, --out <dir>", "directory for the compiled flows", "flows")
    .option(
      "--check",
      "exit 1 and print a diff when the directory differs from a fresh build; write nothing",
    )
    .option("--templates <dir>", "use this templates directory instead of the bundled one")
    .addOption(jsonOption());

export type BuildOptions = OptionsOf<typeof declare>;

export const buildCli = defineCommand({
  name: "build",
  description:
    "compile envsync.yaml into the GitLab Duo flows (checked before anything is written)",
  declare,
  load: () => import("./command.js").then((m) => m.buildCommand),
});
