import { loadConfig } from "../config/load.js";
import { planBuild } from "../compile/build.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { CatalogApi } from "../gitlab/catalog.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { desiredItems } from "./items.js";
import { publish } from "./publish.js";
import { envsyncVersion } from "../version.js";
import type { PublishOptions } from "./cli.js";

/** Catalog items are created and enabled: CI_JOB_TOKEN cannot. */
const WRITE: GitLabNeeds = { scope: "api", jobToken: false };

export async function publishCommand(
  options: PublishOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const plan = await planBuild(config, { outDir: options.dir, version: envsyncVersion() });
  const stale = plan.filter((f) => f.status !== "unchanged");
  if (stale.length > 0) {
    throw new EnvsyncError(
      "flows-stale",
      `${options.dir} does not match ${options.config} (${stale.map((f) => f.file).join(", ")} ` +
        `${stale.length === 1 ? "is" : "are"} ${stale[0]!.status === "new" ? "missing" : "stale"})`,
      {
        hint: `run \`envsync build -c ${options.config} -o ${options.dir}\` first, so what is published is what was reviewed`,
      },
    );
  }
  const progress = (line: string) => io.stderr(`${line}\n`);
  // The catalog project is named in envsync.yaml; only the instance may come from the origin remote.
  const gitlab = await openGitLab(ctx, WRITE, {
    repo: ".",
    config: { project: config.catalog.project },
  });
  const { http } = gitlab;
  const api = new CatalogApi(gitlab);
  const { createTwoFilesPatch } = await import("diff");
  progress(
    `${options.dryRun ? "dry run: nothing will be written. " : ""}publishing ${plan.length} items to ${http.connection.baseUrl}`,
  );
  const results = await publish(config, desiredItems(plan), api, {
    dryRun: Boolean(options.dryRun),
    ...(options.release ? { version: options.release } : {}),
    onProgress: progress,
    diff: (name, before, after) =>
      createTwoFilesPatch(`${name} (catalog)`, `${name} (${options.dir})`, before, after, "", "", {
        context: 3,
      }),
  });
  const failed = results.filter((r) => r.error);
  if (options.json) {
    io.stdout(
      json({
        dry_run: Boolean(options.dryRun),
        host: http.connection.baseUrl,
        requests: http.requestCount,
        items: results,
      }),
    );
  } else {
    if (options.dryRun) for (const r of results) if (r.diff) io.stdout(`${r.diff}\n`);
    const rows = results.map((r) => [
      r.name,
      r.kind,
      r.status,
      summarize(r.consumers.map((c) => c.status)),
      r.serviceAccount ? `@${r.serviceAccount}` : "-",
      ...(failed.length > 0 ? [r.error ?? ""] : []),
    ]);
    const headers = ["item", "kind", "status", "enabled in group + projects", "mention"];
    io.stdout(table(failed.length > 0 ? [...headers, "error"] : headers, rows));
  }
  return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
}

function summarize(statuses: string[]): string {
  if (statuses.length === 0) return "-";
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
}
