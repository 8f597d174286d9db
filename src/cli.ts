/**
 * The list of commands and `runCli`: parse, build the command context, call the feature. Each
 * feature declares its command beside its code (`src/<feature>/cli.ts`) with a lazy `load`, so
 * `envsync --help` and `--version` load nothing but commander and these declarations. This is the
 * one place that prints errors and picks exit codes (through errors.ts).
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cherryPickCli } from "./cherry-pick/cli.js";
import { ciCli } from "./ci/cli.js";
import { conflictCheckCli } from "./conflict-check/cli.js";
import type { CommandSpec } from "./command/define.js";
import { buildCli } from "./compile/cli.js";
import { schemaCli, validateCli } from "./config/cli.js";
import type { CommandContext } from "./context.js";
import { dashboardCli } from "./dashboard/cli.js";
import { doctorCli } from "./doctor/cli.js";
import { driftCli } from "./drift/cli.js";
import { errorJson, ExitCode, exitCodeFor, formatError, usageError } from "./errors.js";
import { initCli } from "./init/cli.js";
import { learnCli } from "./learn/cli.js";
import { notifyCli } from "./notify/cli.js";
import { guardedIo, json } from "./output/io.js";
import { secretScrubber, secretsOf } from "./output/secrets.js";
import { promoteCli } from "./promote/cli.js";
import { protectCli } from "./protect/cli.js";
import { publishCli } from "./publish/cli.js";
import { rollbackCheckCli, rollbackCli } from "./rollback/cli.js";
import { statusCli } from "./status/cli.js";
import { envsyncVersion } from "./version.js";

/** Every command, in the order `envsync --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  initCli,
  validateCli,
  schemaCli,
  buildCli,
  publishCli,
  driftCli,
  statusCli,
  rollbackCheckCli,
  rollbackCli,
  cherryPickCli,
  promoteCli,
  protectCli,
  doctorCli,
  conflictCheckCli,
  dashboardCli,
  learnCli,
  ciCli,
  notifyCli,
];

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  invalid config, failed check or runtime error
  2  usage error (unknown command or option, missing argument)
  3  the command ran and found something that needs attention (drift, blocked rollback)
  130  interrupted; work under way was cleaned up

With --json, a failure prints {"error": {"code", "message", "hint"}} on stdout as well.`;

/** What one run of the program leaves behind for `runCli`. */
interface RunState {
  exitCode: number;
  json: boolean;
}

/** The whole command tree; `run` is how a command's code is run with the context. */
export function buildProgram(
  io: CommandContext["io"],
  run: (json: boolean, command: (ctx: CommandContext) => Promise<number>) => Promise<void>,
): Command {
  const program = new Command("envsync")
    .description(
      "Keep GitLab environment branches in sync: validate envsync.yaml, compile Duo flows, " +
        "find drift.",
    )
    .version(envsyncVersion(), "-V, --version", "print the EnvSync version")
    // The program's options come before the command: after it, an option is the command's own,
    // so `publish --version 1.0.0` is an unknown option of publish, not EnvSync's version.
    .enablePositionalOptions()
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const command of COMMANDS) command.register(program, run);
  return program;
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
  const program = buildProgram(io, async (json, command) => {
    state.json = json;
    state.exitCode = await command(ctx);
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version arrive as "errors" with exit code 0; all else commander rejects is usage,
      // which commander has printed on stderr. A script asked for JSON gets it on stdout too.
      if (error.exitCode === 0) return ExitCode.ok;
      if (/^error: unknown option '(--version|-V)'/.test(error.message))
        ctx.io.stderr(
          "  hint: `envsync --version` prints EnvSync's version; after a command, an option is " +
            "that command's own (see `envsync COMMAND --help`)\n",
        );
      const early = optionBeforeCommand(program, argv, error.message);
      if (early)
        ctx.io.stderr(
          `  hint: options come after the command: \`envsync ${early.command} ${early.option} …\`\n`,
        );
      if (argv.includes("--json"))
        ctx.io.stdout(json(errorJson(usageError(error.message.replace(/^error: /, "")))));
      return ExitCode.usage;
    }
    if (state.json) ctx.io.stdout(json(errorJson(error)));
    ctx.io.stderr(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}

/** `envsync -C DIR drift`: an option the command would take, given before the command. */
function optionBeforeCommand(
  program: Command,
  argv: readonly string[],
  message: string,
): { option: string; command: string } | undefined {
  const option = /^error: unknown option '([^']+)'/.exec(message)?.[1];
  if (!option || option === "--version" || option === "-V") return undefined;
  const at = argv.findIndex((a) => program.commands.some((c) => c.name() === a));
  const command = program.commands.find((c) => c.name() === argv[at]);
  const takes = command?.options.some((o) => o.short === option || o.long === option);
  if (!command || !takes || argv.indexOf(option) > at) return undefined;
  return { option, command: command.name() };
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
