/**
 * Options several commands share, built one way: the same flags, words and parsing everywhere.
 * Each builder returns a fresh commander Option, typed (extra-typings) so the command's option
 * values are inferred from its declaration.
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { parseShard, type Shard } from "../fleet/shard.js";

/** With -C DIR and no -c, the config is DIR/envsync.yaml, as `git -C` reads DIR (define.ts). */
export const configOption = () =>
  new Option("-c, --config <file>", "path of envsync.yaml (with -C DIR: DIR/envsync.yaml)").default(
    "envsync.yaml",
  );

export const jsonOption = () => new Option("--json", "print the result as JSON on stdout");

export const repoOption = (what: string) => new Option("-C, --repo <dir>", what).default(".");

/** Local mode compares origin's branches; `--no-fetch` compares them as last fetched. */
export const noFetchOption = () =>
  new Option(
    "--no-fetch",
    "do not fetch the environment branches from origin first (compare them as last fetched)",
  );

export const dryRunOption = (what: string) => new Option("--dry-run", what);

/** `--confirm ENV`: writing into a protected environment must name it. */
export const confirmOption = (what: string) =>
  new Option("--confirm <env>", `required to ${what} a protected environment; must name it`);

/** A whole number of 1 or more; a default, where there is one, is set in the declaration. */
export const countOption = <Flags extends string>(flags: Flags, what: string) =>
  new Option(flags, what).argParser(positiveInt);

export const shardOption = () =>
  new Option("--shard <i/n>", "with --all-projects: only the projects of shard I of N").argParser(
    shard,
  );

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError("It takes a whole number of 1 or more.");
  return n;
}

function shard(value: string): Shard {
  const parsed = parseShard(value);
  if (typeof parsed === "string") throw new InvalidArgumentError(parsed);
  return parsed;
}

/** An issue IID: digits only. */
export function issueIid(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("It takes an issue IID (a number).");
  return value;
}

/** `--flag [bool]`: present alone means true; otherwise true or false. */
export function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("It takes true or false.");
}

/** The environment a command reading GitLab uses, for its help. */
export const GITLAB_READ_HELP =
  "\nEnvironment: GITLAB_TOKEN (read_api scope; GitLab refuses CI_JOB_TOKEN here), GITLAB_URL or " +
  "CI_SERVER_URL.";
