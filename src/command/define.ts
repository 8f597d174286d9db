/**
 * How a feature declares its command, beside its code: its name, description and options (from the
 * shared builders in options.ts), and a lazy `load` of the code that runs it, so `envsync --help`
 * loads no feature. The option types are inferred from the declaration (commander's
 * extra-typings), so a command's `Options` type is `OptionsOf<typeof declare...>` and a default is
 * written once, in the declaration. The root (src/cli.ts) only lists the commands.
 */
import { Command, type CommandUnknownOpts, type OptionValues } from "@commander-js/extra-typings";
import { statSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "../errors.js";
import type { CommandContext } from "../context.js";

/** A command's code: its input and the context in, the exit code out. */
export type CommandRun<Input> = (input: Input, ctx: CommandContext) => Promise<number>;

/** How the root runs a command: it remembers `--json` (for errors), then runs `command`. */
export type Runner = (
  json: boolean,
  command: (ctx: CommandContext) => Promise<number>,
) => Promise<void>;

/** A declared command, ready for the root to add. */
export interface CommandSpec {
  readonly name: string;
  /** Adds the command (with its subcommands) to `parent`; `runner` runs what it does. */
  register(parent: CommandUnknownOpts, runner: Runner): void;
}

/** The options and arguments a command declares, added to the command commander makes. */
export type Declare<Args extends unknown[], Opts extends OptionValues> = (
  command: Command,
) => Command<Args, Opts>;

/** The option values a declaration gives its command, as commander parses them. */
export type OptionsOf<D> = D extends Declare<unknown[], infer Opts> ? Opts : never;

interface Declaration<Args extends unknown[], Opts extends OptionValues, Input> {
  name: string;
  /** One line for `envsync --help`. */
  description: string;
  declare: Declare<Args, Opts>;
  /** The positional arguments and the options as the command's input (default: the options). */
  input?: (args: Args, options: Opts) => Input;
  /** Text after the options in `envsync COMMAND --help` (exit codes, environment). */
  help?: string;
  load: () => Promise<CommandRun<Input>>;
}

export function defineCommand<Args extends unknown[], Opts extends OptionValues>(
  declaration: Declaration<Args, Opts, NoInfer<Opts>>,
): CommandSpec;
export function defineCommand<Args extends unknown[], Opts extends OptionValues, Input>(
  declaration: Declaration<Args, Opts, Input> & { input: (args: Args, options: Opts) => Input },
): CommandSpec;
export function defineCommand<Args extends unknown[], Opts extends OptionValues, Input>(
  declaration: Declaration<Args, Opts, Input>,
): CommandSpec {
  const { name, description, declare, input, help, load } = declaration;
  return {
    name,
    register(parent, runner) {
      // Output, exit override and suggestions as the parent has them, as `.command()` would do.
      const command = declare(
        new Command(name).copyInheritedSettings(parent).description(description),
      );
      if (help) command.addHelpText("after", help);
      withoutRepoInConfigHelp(command);
      command.action(async () => {
        const opts = command.opts();
        await runner(opts.json === true, async (ctx) => {
          requireDirectory(opts);
          // Like `git -C`: with -C DIR and no -c, the config is DIR's own envsync.yaml.
          const options = withConfigIn(opts, command.getOptionValueSource("config"));
          const value = input
            ? input(command.processedArgs, options)
            : (options as unknown as Input);
          return (await load())(value, ctx);
        });
      });
      parent.addCommand(command);
    },
  };
}

/** `-C DIR` that is not a directory fails as such, before anything looks for a file in it. */
function requireDirectory(options: OptionValues): void {
  const { repo } = options as { repo?: unknown };
  if (typeof repo !== "string" || repo === ".") return;
  let isDirectory: boolean | undefined;
  try {
    isDirectory = statSync(repo).isDirectory();
  } catch {
    isDirectory = undefined;
  }
  if (isDirectory) return;
  throw usageError(
    isDirectory === false ? `${repo} is not a directory` : `${repo} does not exist`,
    {
      code: "directory-missing",
      hint: "check the directory given with -C (the repository)",
    },
  );
}

/** `-c`'s help speaks of -C only on commands that take -C. */
function withoutRepoInConfigHelp(command: { options: readonly OptionLike[] }): void {
  const config = command.options.find((o) => o.long === "--config");
  if (config && !command.options.some((o) => o.long === "--repo"))
    config.description = config.description.replace(/ \(with -C DIR: [^)]*\)$/, "");
}

interface OptionLike {
  long?: string | undefined;
  description: string;
}

function withConfigIn<Opts extends OptionValues>(options: Opts, configSource: unknown): Opts {
  const { repo, config } = options as { repo?: unknown; config?: unknown };
  if (configSource !== "default" || typeof repo !== "string" || typeof config !== "string")
    return options;
  if (repo === ".") return options;
  return { ...options, config: join(repo, config) };
}

/** A command that only groups others (`envsync notify pipeline-failure`). */
export function defineGroup(group: {
  name: string;
  description: string;
  commands: readonly CommandSpec[];
}): CommandSpec {
  return {
    name: group.name,
    register(parent, runner) {
      const command = new Command(group.name)
        .copyInheritedSettings(parent)
        .description(group.description);
      for (const sub of group.commands) sub.register(command, runner);
      parent.addCommand(command);
    },
  };
}
