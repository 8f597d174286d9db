import { ConfigError, ExitCode, formatProblem } from "../errors.js";
import { loadConfig } from "./load.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";

export interface ValidateOptions {
  config: string;
  json?: boolean;
}

export async function validateCommand(
  options: ValidateOptions,
  { io }: Pick<CommandContext, "io">,
): Promise<number> {
  try {
    const { config } = await loadConfig(options.config);
    if (options.json) {
      io.stdout(json({ valid: true, file: options.config, problems: [], config }));
    } else {
      const chain = config.promotion.chain.join(" → ");
      io.stdout(
        `${options.config}: valid (${config.environments.length} environments; promotion chain ${chain}; ${config.projects.length} fleet projects)\n`,
      );
    }
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.json) {
      io.stdout(json({ valid: false, file: options.config, problems: error.problems }));
    } else {
      io.stderr(`${error.problems.map(formatProblem).join("\n")}\n`);
      const n = error.problems.length;
      io.stderr(`\n${n} problem${n === 1 ? "" : "s"} in ${options.config}\n`);
    }
    return ExitCode.failure;
  }
}
