import { loadConfig } from "../config/load.js";
import { planBuild } from "./build.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { rootFor, writeFilesInside } from "../output/files.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { envsyncVersion } from "../version.js";
import type { BuildOptions } from "./cli.js";

export async function buildCommand(
  options: BuildOptions,
  ctx: Pick<CommandContext, "io">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const plan = await planBuild(config, {
    outDir: options.out,
    version: envsyncVersion(),
    ...(options.templates ? { templatesDir: options.templates } : {}),
  });
  const stale = plan.filter((f) => f.status !== "unchanged");

  if (!options.check && stale.length > 0)
    await writeFilesInside(
      rootFor(options.out, "directory"),
      stale.map((f) => ({ path: f.path, content: f.content })),
    );

  const files = plan.map((f) => ({
    name: f.name,
    path: f.path,
    status: options.check
      ? f.status === "unchanged"
        ? "fresh"
        : "stale"
      : f.status === "unchanged"
        ? "unchanged"
        : "written",
    summary: f.summary,
    bytes: Buffer.byteLength(f.content),
    prompt_tokens: f.promptTokens,
  }));
  const result = { config: options.config, out: options.out, check: Boolean(options.check), files };
  const failed = options.check && stale.length > 0;
  if (options.json) {
    if (!failed) io.stdout(json(result));
  } else {
    const rows = files.map((f) => [
      f.path,
      f.status,
      String(Math.max(0, ...Object.values(f.prompt_tokens))),
      f.summary,
    ]);
    io.stdout(table(["file", "status", "max prompt tokens", "flow"], rows));
  }
  if (failed) {
    if (!options.json) io.stdout(stale.map((f) => f.diff).join("\n"));
    throw new EnvsyncError(
      "flows-stale",
      `${stale.length} compiled flow file${stale.length === 1 ? " is" : "s are"} stale in ${options.out}`,
      {
        details: [
          `run \`envsync build -c ${options.config} -o ${options.out}\` and commit the result`,
        ],
        result,
      },
    );
  }
  return ExitCode.ok;
}
