/**
 * Commander wiring only: parse, build the command context, call the feature. Each action lazily
 * imports its command module so `envsync --help` and `--version` load nothing but commander. This is
 * the one place that prints errors and picks exit codes (through errors.ts).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CherryPickOptions } from "./cherry-pick/command.js";
import type { CiOptions } from "./ci/command.js";
import type { BuildOptions } from "./compile/command.js";
import type { SchemaOptions } from "./config/schema-command.js";
import type { ValidateOptions } from "./config/validate-command.js";
import type { CommandContext } from "./context.js";
import type { DashboardOptions } from "./dashboard/command.js";
import type { DoctorOptions } from "./doctor/command.js";
import type { DriftOptions } from "./drift/command.js";
import { errorJson, ExitCode, exitCodeFor, formatError } from "./errors.js";
import { parseShard, type Shard } from "./fleet/shard.js";
import type { InitOptions } from "./init/command.js";
import type { NotifyOptions } from "./notify/command.js";
import { guardedIo, json } from "./output/io.js";
import { secretScrubber, secretsOf } from "./output/secrets.js";
import type { PromoteOptions } from "./promote/command.js";
import type { PublishCommandOptions } from "./publish/command.js";
import type { RollbackCheckOptions } from "./rollback/command.js";
import type { StatusOptions } from "./status/command.js";
import { envsyncVersion } from "./version.js";

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  invalid config, failed check or runtime error
  2  usage error (unknown command or option, missing argument)
  3  the command ran and found something that needs attention (drift, blocked rollback)

With --json, a failure prints {"error": {"code", "message", "hint"}} on stdout as well.`;

const GITLAB_READ_ENV =
  "\nEnvironment: GITLAB_TOKEN (read_api scope) or CI_JOB_TOKEN, GITLAB_URL or CI_SERVER_URL.";

/** What one run of the program leaves behind for `runCli`. */
interface RunState {
  exitCode: number;
  json: boolean;
}

function buildProgram(ctx: CommandContext, state: RunState): Command {
  const { io } = ctx;
  const program = new Command("envsync")
    .description(
      "Keep GitLab environment branches in sync: validate envsync.yaml, compile Duo flows, " +
        "find drift.",
    )
    .version(envsyncVersion(), "-V, --version", "print the EnvSync version")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  const configOption = () =>
    new Option("-c, --config <file>", "path of envsync.yaml").default("envsync.yaml");
  const jsonOption = () => new Option("--json", "print the result as JSON on stdout");
  const repoOption = (what: string) => new Option("-C, --repo <dir>", what).default(".");
  const countOption = (flags: string, what: string, fallback?: number) => {
    const option = new Option(flags, what).argParser(positiveInt);
    return fallback === undefined ? option : option.default(fallback);
  };

  /** Runs a command, remembering `--json` so a failure can be printed as JSON too. */
  const run = async (opts: { json?: boolean }, command: () => Promise<number>) => {
    state.json = Boolean(opts.json);
    state.exitCode = await command();
  };

  program
    .command("init")
    .description(
      "write a commented envsync.yaml from the repository's branches (and GitLab's environments " +
        "and protected branches, with a token); never overwrites",
    )
    .option("-o, --output <file>", "where to write it (default: envsync.yaml in the repository)")
    .addOption(repoOption("the git repository to read"))
    .option("-y, --yes", "write without asking")
    .option("--dry-run", "print the file; write nothing")
    .addOption(jsonOption())
    .action((opts: InitOptions) =>
      run(opts, async () => {
        const { initCommand } = await import("./init/command.js");
        return initCommand(opts, ctx);
      }),
    );

  program
    .command("validate")
    .description("check envsync.yaml and report every problem with file:line:column")
    .addOption(configOption())
    .addOption(jsonOption())
    .action((opts: ValidateOptions) =>
      run(opts, async () => {
        const { validateCommand } = await import("./config/validate-command.js");
        return validateCommand(opts, ctx);
      }),
    );

  program
    .command("schema")
    .description("write the JSON Schema of envsync.yaml for editors (or check that it is current)")
    .option("-o, --out <file>", "where to write the schema", "schema/envsync.schema.json")
    .option("--check", "exit 1 when the file differs from the current schema; write nothing")
    .addOption(jsonOption())
    .action((opts: SchemaOptions) =>
      run(opts, async () => {
        const { schemaCommand } = await import("./config/schema-command.js");
        return schemaCommand(opts, ctx);
      }),
    );

  program
    .command("build")
    .description(
      "compile envsync.yaml into the GitLab Duo flows (checked before anything is written)",
    )
    .addOption(configOption())
    .option("-o, --out <dir>", "directory for the compiled flows", "flows")
    .option(
      "--check",
      "exit 1 and print a diff when the directory differs from a fresh build; write nothing",
    )
    .option("--templates <dir>", "use this templates directory instead of the bundled one")
    .addOption(jsonOption())
    .action((opts: BuildOptions) =>
      run(opts, async () => {
        const { buildCommand } = await import("./compile/command.js");
        return buildCommand(opts, ctx);
      }),
    );

  program
    .command("publish")
    .description(
      "publish the compiled flows and the assistant to the GitLab AI Catalog and enable them " +
        "(needs GITLAB_TOKEN)",
    )
    .addOption(configOption())
    .option("--dir <dir>", "directory of the compiled flows", "flows")
    .option("--dry-run", "read the catalog and print what would change, with diffs; write nothing")
    .option(
      "--release <x.y.z>",
      "catalog version for updated items (default: the next patch version)",
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (api scope), GITLAB_URL or CI_SERVER_URL " +
        "(default https://gitlab.com).",
    )
    .action((opts: PublishCommandOptions) =>
      run(opts, async () => {
        const { publishCommand } = await import("./publish/command.js");
        return publishCommand(opts, ctx);
      }),
    );

  program
    .command("drift")
    .description(
      "commits pending promotion, picks already applied, hotfixes missing upstream and file " +
        "drift between environments",
    )
    .addOption(configOption())
    .option("--from <env>", "upstream environment of the one pair to check")
    .option("--to <env>", "downstream environment of the one pair to check")
    .addOption(
      new Option(
        "--local",
        "use the local repository's branches (default inside a git checkout)",
      ).conflicts(["api", "allProjects"]),
    )
    .option("--api", "use the GitLab API (compare, commits) instead of a local clone")
    .option("--all-projects", "check every project in projects[] (API), with bounded concurrency")
    .addOption(repoOption("the git repository to read in local mode"))
    .addOption(jsonOption())
    .addOption(countOption("--concurrency <n>", "projects checked at once with --all-projects", 8))
    .addOption(
      new Option(
        "--shard <i/n>",
        "with --all-projects: only the projects of shard I of N",
      ).argParser(shard),
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing unexpected; 3 drift not explained by pending promotions, or " +
        "hotfixes missing upstream.",
    )
    .action((opts: DriftOptions) =>
      run(opts, async () => {
        const { driftCommand } = await import("./drift/command.js");
        return driftCommand(opts, ctx);
      }),
    );

  program
    .command("status")
    .description(
      "per environment: branch head, latest pipeline, last successful deployment, drift from " +
        "the previous environment",
    )
    .addOption(configOption())
    .option("--all-projects", "every project in projects[], batched into few requests")
    .addOption(
      new Option(
        "--shard <i/n>",
        "with --all-projects: only the projects of shard I of N",
      ).argParser(shard),
    )
    .addOption(countOption("--concurrency <n>", "HTTP requests in flight at once", 16))
    .addOption(
      countOption(
        "--batch <n>",
        "at most this many projects per GraphQL request (fewer where GitLab's complexity limit needs)",
        5,
      ),
    )
    .addOption(jsonOption())
    .addHelpText("after", GITLAB_READ_ENV)
    .action((opts: StatusOptions) =>
      run(opts, async () => {
        const { statusCommand } = await import("./status/command.js");
        return statusCommand(opts, ctx);
      }),
    );

  program
    .command("rollback-check")
    .description(
      "before a rollback: deployed vs target, commits and migrations in between, risk and the " +
        "confirmation required",
    )
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
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 not blocked; 3 blocked by an irreversible migration.\n" +
        "Deployments are read from GitLab when GITLAB_TOKEN (or CI_JOB_TOKEN) and the project " +
        "are known.",
    )
    .action((opts: RollbackCheckOptions) =>
      run(opts, async () => {
        const { rollbackCheckCommand } = await import("./rollback/command.js");
        return rollbackCheckCommand(opts, ctx);
      }),
    );

  program
    .command("cherry-pick")
    .description(
      "pick commits onto an environment's branch in a temporary worktree, resolving tier-1 " +
        "conflicts by rule",
    )
    .argument("<sha...>", "commits to pick, in order")
    .addOption(configOption())
    .requiredOption("--to <env>", "environment whose branch receives the picks")
    .option(
      "--mr",
      "push the branch and open a merge request into the environment's branch " +
        "(needs GITLAB_TOKEN)",
    )
    .addOption(
      new Option(
        "--dry-run",
        "pick in a throwaway worktree and report; create no branch",
      ).conflicts("mr"),
    )
    .option("--confirm <env>", "required to write into a protected environment; must name it")
    .addOption(repoOption("the git repository"))
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 picked (or nothing to pick); 3 stopped on conflicts that need judgement " +
        "(nothing applied).",
    )
    .action((shas: string[], opts: Omit<CherryPickOptions, "shas">) =>
      run(opts, async () => {
        const { cherryPickCommand } = await import("./cherry-pick/command.js");
        return cherryPickCommand({ ...opts, shas }, ctx);
      }),
    );

  program
    .command("promote")
    .description(
      "check the promotion gates from one environment to the next and open (or update) the " +
        "promotion merge request",
    )
    .argument("<from>", "environment the changes come from")
    .argument("<to>", "the next environment in the promotion chain")
    .addOption(configOption())
    .option("--dry-run", "check the gates and list what is pending; open no merge request")
    .option("--confirm <env>", "required to promote into a protected environment; must name it")
    .addOption(
      new Option("--local", "read the branches from the local repository").conflicts("api"),
    )
    .option("--api", "read the branches through the GitLab API")
    .addOption(repoOption("the git repository, in local mode"))
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 allowed (and the merge request opened, unless --dry-run); 3 a gate blocks." +
        "\nGates (promotion.gates): the source pipeline, the source deployment, the soak time, no " +
        "hotfix on the target missing from the source, always_manual paths.",
    )
    .action((from: string, to: string, opts: Omit<PromoteOptions, "from" | "to">) =>
      run(opts, async () => {
        const { promoteCommand } = await import("./promote/command.js");
        return promoteCommand({ ...opts, from, to }, ctx);
      }),
    );

  program
    .command("doctor")
    .description(
      "triage a failed pipeline: first errors, last green runs, what changed, ranked hypotheses",
    )
    .addOption(configOption())
    .addOption(countOption("--pipeline <id>", "the failed pipeline's id").makeOptionMandatory())
    .addOption(jsonOption())
    .addHelpText("after", GITLAB_READ_ENV)
    .action((opts: DoctorOptions) =>
      run(opts, async () => {
        const { doctorCommand } = await import("./doctor/command.js");
        return doctorCommand(opts, ctx);
      }),
    );

  program
    .command("dashboard")
    .description(
      "keep the dashboard issue current with the latest drift report (created if absent; a note " +
        "when something changed)",
    )
    .addOption(configOption())
    .option(
      "--report <file>",
      "a report from `envsync drift --json` (default: compute drift in the repository)",
    )
    .addOption(repoOption("the git repository, when no --report is given"))
    .option("--dry-run", "print the description that would be written; touch nothing")
    .addOption(jsonOption())
    .action((opts: DashboardOptions) =>
      run(opts, async () => {
        const { dashboardCommand } = await import("./dashboard/command.js");
        return dashboardCommand(opts, ctx);
      }),
    );

  program
    .command("ci")
    .description(
      "print the include lines, CI variable and schedule the CI bridges need; --write adds the " +
        "includes to .gitlab-ci.yml",
    )
    .addOption(configOption())
    .option(
      "--components <path>",
      "project that hosts EnvSync's CI/CD components",
      "envsync/envsync",
    )
    .option("--write", "add the includes to .gitlab-ci.yml, keeping everything else as it is")
    .option("--dry-run", "say what --write would add; write nothing")
    .addOption(repoOption("repository whose .gitlab-ci.yml to edit"))
    .addOption(jsonOption())
    .action((opts: CiOptions) =>
      run(opts, async () => {
        const { ciCommand } = await import("./ci/command.js");
        return ciCommand(opts, ctx);
      }),
    );

  const notify = program
    .command("notify")
    .description("CI bridges that start EnvSync flows where GitLab has no trigger");
  notify
    .command("pipeline-failure")
    .description(
      "in a `when: on_failure` job: gather the evidence and start the pipeline-doctor flow " +
        "(once per pipeline)",
    )
    .addOption(configOption())
    .addOption(
      new Option(
        "--via <how>",
        "api: start the flow directly; mention: post a note that mentions its service account",
      )
        .choices(["api", "mention"])
        .default("api"),
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
    .option("--dry-run", "gather the evidence and say what would happen; start and post nothing")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (api scope; CI_JOB_TOKEN cannot post notes) and GitLab CI's " +
        "predefined variables.",
    )
    .action((opts: NotifyOptions) =>
      run(opts, async () => {
        const { notifyCommand } = await import("./notify/command.js");
        return notifyCommand(opts, ctx);
      }),
    );

  return program;
}

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

function issueIid(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("It takes an issue IID (a number).");
  return value;
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("It takes true or false.");
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code; never exits. */
export async function runCli(argv: readonly string[], given: CommandContext): Promise<number> {
  // Everything a command prints passes here: no terminal control sequence and no secret gets out,
  // whatever a server, a commit message or a config file carried.
  const io = guardedIo(given.io, secretScrubber(secretsOf(given.env)));
  const ctx: CommandContext = {
    ...given,
    io,
    http: { onWait: (line) => io.stderr(`${line}\n`), ...given.http },
  };
  const state: RunState = { exitCode: ExitCode.ok, json: false };
  const program = buildProgram(ctx, state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version arrive as "errors" with exit code 0; all else commander rejects is usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (state.json) ctx.io.stdout(json(errorJson(error)));
    ctx.io.stderr(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/**
 * Ctrl-C and SIGTERM abort the context's signal so work under way (a cherry-pick's worktree) is
 * cleaned up; a command that does not listen is ended shortly after, and a second signal ends at
 * once.
 */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    process.exitCode = 130;
    controller.abort();
    setTimeout(() => process.exit(130), 3000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return controller.signal;
}

/** A yes/no question on the terminal; anything but y or yes is no. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

/** stdout closed early (`envsync --help | head -1`) is the reader's choice, not a failure. */
function quietOnClosedPipe(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

if (isEntryPoint()) {
  quietOnClosedPipe();
  const ctx: CommandContext = {
    io: {
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
      // The one place a carriage return and an erase-line reach the terminal: the live line.
      ...(process.stderr.isTTY
        ? { status: (line: string) => process.stderr.write(`\r${line}\u001b[K`) }
        : {}),
    },
    env: process.env,
    now: () => new Date(),
    signal: interruptSignal(),
    ...(process.stdin.isTTY && process.stdout.isTTY ? { ask: askOnTerminal } : {}),
  };
  runCli(process.argv.slice(2), ctx).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${formatError(error)}\n`);
      process.exitCode = ExitCode.failure;
    },
  );
}
