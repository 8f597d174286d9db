import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import {
  configOption,
  dryRunOption,
  GITLAB_READ_HELP,
  jsonOption,
  repoOption,
} from "../command/options.js";

const declare = (command: Command) =>
  command
    .addOption(configOption())
    .option(
      "--since <date>",
      "only proposals posted on or after this date (YYYY-MM-DD or an ISO time)",
      parseSince,
    )
    .option(
      "--author <username>",
      "the account the conflict-resolver flow posts as (default: conflicts.learning.author, " +
        "else the service account of the flow as published in the project)",
      parseUsername,
    )
    .option(
      "--write",
      "open (or update) a merge request that sets the recommended thresholds in envsync.yaml",
    )
    .addOption(dryRunOption("print the change --write would make to envsync.yaml; write nothing"))
    .addOption(repoOption("the repository whose origin names the project, when nothing else does"))
    .addOption(jsonOption());

export type LearnOptions = OptionsOf<typeof declare>;

export const learnCli = defineCommand({
  name: "learn",
  description:
    "read the outcome of the conflict resolver's tier-2 proposals from GitLab, the acceptance " +
    "per category and the threshold it supports; --write proposes the thresholds as an MR",
  declare,
  help:
    "\nExit codes: 0 done (or nothing to change); 3 --dry-run found thresholds to change." +
    GITLAB_READ_HELP.replace("read_api scope", "read_api scope; api with --write"),
  load: () => import("./command.js").then((m) => m.learnCommand),
});

function parseSince(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value)
    ? new Date(value)
    : undefined;
  // JavaScript rolls 2026-02-31 over into March; a day that does not exist is refused instead.
  const rolled = date !== undefined && date.toISOString().slice(0, 10) !== value.slice(0, 10);
  if (!date || Number.isNaN(date.getTime()) || (rolled && value.length === 10))
    throw new InvalidArgumentError("It takes a date such as 2026-01-31 or 2026-01-31T08:00:00Z.");
  return date;
}

function parseUsername(value: string): string {
  const name = value.replace(/^@/, "");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/.test(name))
    throw new InvalidArgumentError("It takes a GitLab username such as envsync-resolver-bot.");
  return name;
}
