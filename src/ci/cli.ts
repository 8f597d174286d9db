import { Option, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, dryRunOption, jsonOption, repoOption } from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option(
      "--components <path>",
      "project that hosts EnvSync's CI/CD components",
      "envsync/envsync",
    )
    .addOption(
      new Option(
        "--runtime <source>",
        "how flow jobs get EnvSync: file commits .gitlab/duo/envsync.mjs (nothing to install); " +
          "registry installs it from the components project's npm registry (a public project)",
      )
        .choices(["file", "registry"] as const)
        .default("file" as const),
    )
    .option(
      "--write",
      "add the includes of the bridges still needed to .gitlab-ci.yml, and remove the " +
        "pipeline doctor's once a native trigger starts it; everything else stays as it is",
    )
    .addOption(
      new Option(
        "--check",
        "ask GitLab what the token is and say, for each command the flows run, whether it runs " +
          "fully, partly or not with it; write nothing",
      ).conflicts(["write", "dryRun"]),
    )
    .option(
      "--publish-report <file>",
      "a saved `envsync publish --json`: which bridges GitLab's native triggers replace, when " +
        "GITLAB_TOKEN cannot ask GitLab itself",
    )
    .addOption(dryRunOption("say what --write would add or remove; write nothing"))
    .addOption(repoOption("repository whose .gitlab-ci.yml to edit"))
    .addOption(jsonOption());

export type CiOptions = OptionsOf<typeof declare>;

export const ciCli = defineCommand({
  name: "ci",
  description:
    "print the include lines, CI variable and schedule the CI bridges need; --write adds the " +
    "includes to .gitlab-ci.yml",
  declare,
  help:
    "\nExit codes (--check): 0 every flow command runs fully; 3 some run partly or not, or a " +
    "bot starts the project's schedules or environment-branch pipelines (GitLab starts no " +
    "flow for a bot).\n" +
    "Environment (--check): GITLAB_TOKEN (or a flow job's), GITLAB_URL or CI_SERVER_URL.",
  load: () => import("./command.js").then((m) => m.ciCommand),
});
