import { join } from "node:path";
import { ciSetup, addIncludes } from "./setup.js";
import { loadConfig } from "../config/load.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { readTextIfExists, writeFilesAtomically } from "../output/files.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { envsyncVersion } from "../version.js";

export interface CiOptions {
  config: string;
  components: string;
  write?: boolean;
  dryRun?: boolean;
  json?: boolean;
  repo: string;
}

export async function ciCommand(
  options: CiOptions,
  ctx: Pick<CommandContext, "io">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const setup = ciSetup(config, {
    components: options.components,
    version: envsyncVersion(),
    configPath: options.config.replace(/^\.\//, ""),
  });
  const file = join(options.repo, ".gitlab-ci.yml");
  let change: { text: string; added: string[] } | undefined;
  if (options.write || options.dryRun) {
    const current = await readTextIfExists(file);
    try {
      change = addIncludes(current, setup.includes);
    } catch (error) {
      throw new EnvsyncError(
        "ci-file-invalid",
        `${file}: ${(error as Error).message}; nothing was changed`,
      );
    }
    if (options.write && change.added.length > 0)
      await writeFilesAtomically([{ path: file, content: change.text }]);
  }
  if (options.json) {
    io.stdout(
      json({
        ...setup,
        ...(change
          ? {
              file,
              added: change.added,
              written: Boolean(options.write && change.added.length > 0),
            }
          : {}),
      }),
    );
    return ExitCode.ok;
  }
  const lines = [
    "Add to .gitlab-ci.yml:",
    "",
    "include:",
    ...setup.includes.map(
      (i) =>
        `  - component: ${i.component}${i.inputs ? `\n    inputs:\n      config: ${i.inputs.config}` : ""}`,
    ),
    "",
  ];
  lines.push(
    "Create the CI/CD variable (Settings > CI/CD > Variables):",
    ...setup.variables.map(
      (v) => `  ${v.name}: ${v.value} (masked${v.protected ? ", protected" : ""})`,
    ),
    "",
  );
  lines.push(
    "Create the pipeline schedule (Build > Pipeline schedules > New schedule):",
    `  description: ${setup.schedule.description}`,
    `  interval: ${setup.schedule.cron}`,
    `  target branch: ${setup.schedule.target_branch}`,
    "",
  );
  if (change) {
    if (change.added.length === 0) lines.push(`${file} already includes both components.`);
    else
      lines.push(
        `${options.write ? "Added" : "Would add"} ${change.added.length} include${change.added.length === 1 ? "" : "s"} to ${file}.`,
      );
  }
  io.stdout(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}
