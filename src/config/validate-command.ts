import { ConfigError, ExitCode, formatProblem } from "../errors.js";
import { loadConfig } from "./load.js";
import { describeProtection, RISK_MEANING } from "./protection.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import type { ValidateOptions } from "./cli.js";

export async function validateCommand(
  options: ValidateOptions,
  { io }: Pick<CommandContext, "io">,
): Promise<number> {
  try {
    const { config } = await loadConfig(options.config);
    // The file can make EnvSync run commands in the repository: say which, so a review sees them.
    const commands = config.conflicts.auto_resolve.flatMap((rule, i) =>
      rule.command
        ? [{ rule: `conflicts.auto_resolve[${i}]`, paths: rule.paths, command: rule.command }]
        : [],
    );
    if (options.json) {
      io.stdout(json({ valid: true, file: options.config, problems: [], commands, config }));
    } else {
      const chain = config.promotion.chain.join(" → ");
      io.stdout(
        `${options.config}: valid (${config.environments.length} environments; promotion chain ${chain}; ${config.projects.length} fleet projects)\n`,
      );
      if (commands.length > 0) {
        io.stdout("commands this file runs in the repository (cherry-pick, not in --dry-run):\n");
        for (const c of commands) io.stdout(`  ${c.rule} (${c.paths.join(", ")}): ${c.command}\n`);
      }
      const protectedEnvs = config.environments.filter((e) => e.protection);
      if (protectedEnvs.length > 0) {
        io.stdout("protection in GitLab (`envsync protect` applies it):\n");
        for (const env of protectedEnvs) {
          const p = env.protection!;
          io.stdout(
            `  ${env.name} (branch ${env.branch}): risk ${p.risk}: ${RISK_MEANING[p.risk]}\n`,
          );
          io.stdout(`    ${describeProtection(p)}\n`);
        }
      }
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
