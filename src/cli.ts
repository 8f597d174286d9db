/**
 * Commander wiring only. Each action lazily imports its command module so `envsync --help` and
 * `--version` load nothing but commander. This is the one place that prints errors and picks exit
 * codes (through errors.ts).
 */
import { Command, CommanderError, Option } from "commander";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeError, exitCodeFor, ExitCode, UsageError } from "./errors.js";
import type { Io } from "./output/io.js";
import { envsyncVersion } from "./version.js";

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  invalid config, failed check or runtime error
  2  usage error (unknown command or option, missing argument)
  3  the command ran and found something that needs attention (drift, blocked rollback)`;

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("envsync")
    .description(
      "Keep GitLab environment branches in sync: validate envsync.yaml, compile Duo flows, find drift.",
    )
    .version(envsyncVersion(), "-V, --version", "print the EnvSync version")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  const configOption = () =>
    new Option("-c, --config <file>", "path of envsync.yaml").default("envsync.yaml");
  const jsonOption = () => new Option("--json", "print the result as JSON on stdout");

  program
    .command("validate")
    .description("check envsync.yaml and report every problem with file:line:column")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts: { config: string; json?: boolean }) => {
      const { validateCommand } = await import("./commands/validate.js");
      setExit(await validateCommand(opts, io));
    });

  program
    .command("schema")
    .description("write the JSON Schema of envsync.yaml for editors (or check that it is current)")
    .option("-o, --out <file>", "where to write the schema", "schema/envsync.schema.json")
    .option("--check", "exit 1 when the file differs from the current schema; write nothing")
    .addOption(jsonOption())
    .action(async (opts: { out: string; check?: boolean; json?: boolean }) => {
      const { schemaCommand } = await import("./commands/schema.js");
      setExit(await schemaCommand(opts, io));
    });

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
    .action(
      async (opts: {
        config: string;
        out: string;
        check?: boolean;
        json?: boolean;
        templates?: string;
      }) => {
        const { buildCommand } = await import("./commands/build.js");
        setExit(await buildCommand(opts, io));
      },
    );

  program
    .command("publish")
    .description(
      "publish the compiled flows and the assistant to the GitLab AI Catalog and enable them (needs GITLAB_TOKEN)",
    )
    .addOption(configOption())
    .option("--dir <dir>", "directory of the compiled flows", "flows")
    .option("--dry-run", "read the catalog and print what would change, with diffs; write nothing")
    .option("--version <x.y.z>", "version for updated items (default: next patch version)")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (api scope), GITLAB_URL or CI_SERVER_URL (default https://gitlab.com).",
    )
    .action(
      async (opts: {
        config: string;
        dir: string;
        dryRun?: boolean;
        json?: boolean;
        version?: string;
      }) => {
        const { publishCommand } = await import("./commands/publish.js");
        setExit(await publishCommand(opts, io, { env: process.env }));
      },
    );

  program
    .command("drift")
    .description(
      "commits pending promotion, picks already applied, hotfixes missing upstream and file drift between environments",
    )
    .addOption(configOption())
    .option("--from <env>", "upstream environment of the one pair to check")
    .option("--to <env>", "downstream environment of the one pair to check")
    .option("--local", "use the local repository's branches (default inside a git checkout)")
    .option("--api", "use the GitLab API (compare, commits) instead of a local clone")
    .option("--all-projects", "check every project in projects[] (API), with bounded concurrency")
    .option("-C, --repo <dir>", "the git repository to read in local mode", ".")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing unexpected; 3 drift not explained by pending promotions, or hotfixes missing upstream.",
    )
    .option(
      "--concurrency <n>",
      "projects checked at once with --all-projects",
      (v) => positiveInt(v, "--concurrency"),
      4,
    )
    .action(
      async (opts: {
        config: string;
        from?: string;
        to?: string;
        local?: boolean;
        api?: boolean;
        allProjects?: boolean;
        json?: boolean;
        repo: string;
        concurrency: number;
      }) => {
        const { driftCommand } = await import("./commands/drift.js");
        setExit(await driftCommand(opts, io, { env: process.env }));
      },
    );

  program
    .command("status")
    .description(
      "per environment: branch head, latest pipeline, last successful deployment, drift from the previous environment",
    )
    .addOption(configOption())
    .option("--all-projects", "every project in projects[], batched into few requests")
    .option(
      "--concurrency <n>",
      "HTTP requests in flight at once",
      (v) => positiveInt(v, "--concurrency"),
      16,
    )
    .option("--batch <n>", "projects per GraphQL request", (v) => positiveInt(v, "--batch"), 5)
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (read_api scope) or CI_JOB_TOKEN, GITLAB_URL or CI_SERVER_URL.",
    )
    .action(
      async (opts: {
        config: string;
        allProjects?: boolean;
        json?: boolean;
        concurrency: number;
        batch: number;
      }) => {
        const { statusCommand } = await import("./commands/status.js");
        setExit(await statusCommand(opts, io, { env: process.env }));
      },
    );

  program
    .command("rollback-check")
    .description(
      "before a rollback: deployed vs target, commits and migrations in between, risk and the confirmation required",
    )
    .addOption(configOption())
    .requiredOption("--env <env>", "environment to roll back")
    .option("--to <sha>", "target commit (default: the previous successful deployment)")
    .option("--to-deployment <id>", "target deployment id", (v) =>
      positiveInt(v, "--to-deployment"),
    )
    .option("-C, --repo <dir>", "the git repository to read", ".")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 not blocked; 3 blocked by an irreversible migration.\nDeployments are read from GitLab when GITLAB_TOKEN (or CI_JOB_TOKEN) and the project are known.",
    )
    .action(
      async (opts: {
        config: string;
        env: string;
        to?: string;
        toDeployment?: number;
        repo: string;
        json?: boolean;
      }) => {
        const { rollbackCheckCommand } = await import("./commands/rollback-check.js");
        setExit(await rollbackCheckCommand(opts, io, { env: process.env }));
      },
    );

  program
    .command("cherry-pick")
    .description(
      "pick commits onto an environment's branch in a temporary worktree, resolving tier-1 conflicts by rule",
    )
    .argument("<sha...>", "commits to pick, in order")
    .addOption(configOption())
    .requiredOption("--to <env>", "environment whose branch receives the picks")
    .option(
      "--mr",
      "push the branch and open a merge request into the environment's branch (needs GITLAB_TOKEN)",
    )
    .option("--dry-run", "pick in a throwaway worktree and report; create no branch")
    .option("--confirm <env>", "required to write into a protected environment; must name it")
    .option("-C, --repo <dir>", "the git repository", ".")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExit codes: 0 picked (or nothing to pick); 3 stopped on conflicts that need judgement (nothing applied).",
    )
    .action(
      async (
        shas: string[],
        opts: {
          config: string;
          to: string;
          mr?: boolean;
          dryRun?: boolean;
          confirm?: string;
          repo: string;
          json?: boolean;
        },
      ) => {
        const { cherryPickCommand } = await import("./commands/cherry-pick.js");
        setExit(await cherryPickCommand({ ...opts, shas }, io, { env: process.env }));
      },
    );

  program
    .command("doctor")
    .description(
      "triage a failed pipeline: first errors, last green runs, what changed, ranked hypotheses",
    )
    .addOption(configOption())
    .requiredOption("--pipeline <id>", "the failed pipeline's id", (v) =>
      positiveInt(v, "--pipeline"),
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (read_api) or CI_JOB_TOKEN, GITLAB_URL or CI_SERVER_URL.",
    )
    .action(async (opts: { config: string; pipeline: number; json?: boolean }) => {
      const { doctorCommand } = await import("./commands/doctor.js");
      setExit(await doctorCommand(opts, io, { env: process.env }));
    });

  program
    .command("dashboard")
    .description(
      "keep the dashboard issue current with the latest drift report (created if absent; a note when something changed)",
    )
    .addOption(configOption())
    .option(
      "--report <file>",
      "a report from `envsync drift --json` (default: compute drift in the repository)",
    )
    .option("-C, --repo <dir>", "the git repository, when no --report is given", ".")
    .option("--dry-run", "print the description that would be written; touch nothing")
    .addOption(jsonOption())
    .action(
      async (opts: {
        config: string;
        report?: string;
        repo: string;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const { dashboardCommand } = await import("./commands/dashboard.js");
        setExit(await dashboardCommand(opts, io, { env: process.env }));
      },
    );

  program
    .command("ci")
    .description(
      "print the include lines, CI variable and schedule the CI bridges need; --write adds the includes to .gitlab-ci.yml",
    )
    .addOption(configOption())
    .option(
      "--components <path>",
      "project that hosts EnvSync's CI/CD components",
      "envsync/envsync",
    )
    .option("--write", "add the includes to .gitlab-ci.yml, keeping everything else as it is")
    .option("--dry-run", "say what --write would add; write nothing")
    .option("-C, --repo <dir>", "repository whose .gitlab-ci.yml to edit", ".")
    .addOption(jsonOption())
    .action(
      async (opts: {
        config: string;
        components: string;
        write?: boolean;
        dryRun?: boolean;
        repo: string;
        json?: boolean;
      }) => {
        const { ciCommand } = await import("./commands/ci.js");
        setExit(await ciCommand(opts, io));
      },
    );

  const notify = program
    .command("notify")
    .description("CI bridges that start EnvSync flows where GitLab has no trigger");
  notify
    .command("pipeline-failure")
    .description(
      "in a `when: on_failure` job: gather the evidence and start the pipeline-doctor flow (once per pipeline)",
    )
    .addOption(configOption())
    .option(
      "--via <how>",
      "api: start the flow directly; mention: post a note that mentions its service account",
      "api",
    )
    .option(
      "--issue <iid>",
      "issue to report on when the pipeline has no merge request (default: the dashboard issue)",
    )
    .option(
      "--all-branches [bool]",
      "also triage branches that are not environment branches",
      parseBool,
      false,
    )
    .option("--pipeline <id>", "pipeline id (default: CI_PIPELINE_ID)", (v) =>
      positiveInt(v, "--pipeline"),
    )
    .option("--dry-run", "gather the evidence and say what would happen; start and post nothing")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment: GITLAB_TOKEN (api scope; CI_JOB_TOKEN cannot post notes) and GitLab CI's predefined variables.",
    )
    .action(
      async (opts: {
        config: string;
        via: string;
        issue?: string;
        allBranches: boolean;
        pipeline?: number;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const { notifyCommand } = await import("./commands/notify.js");
        setExit(await notifyCommand(opts, io, { env: process.env }));
      },
    );

  return program;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} takes a whole number of 1 or more, not '${value}'`);
  return n;
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "true") return value !== "";
  if (value === "false") return false;
  throw new UsageError(`expected true or false, not '${value}'`);
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code; never exits. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version arrive as "errors" with exit code 0; everything else commander rejects is usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    io.stderr(`${describeError(error)}\n`);
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

if (isEntryPoint()) {
  const io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = ExitCode.failure;
    },
  );
}
