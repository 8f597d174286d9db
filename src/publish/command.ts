import { dirname } from "node:path";
import { environmentsOf } from "../config/resolve.js";
import { loadConfig } from "../config/load.js";
import { planBuild } from "../compile/build.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { CatalogApi } from "../gitlab/catalog.js";
import {
  gitlabUrl,
  openGitLab,
  repositoryProject,
  type GitLab,
  type GitLabNeeds,
} from "../gitlab/access.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { desiredItems, type DesiredItem } from "./items.js";
import {
  catalogNotAsked,
  checkRelease,
  localPlan,
  publish,
  publishTargets,
  type ItemResult,
  type PublishTargets,
} from "./publish.js";
import { envsyncVersion } from "../version.js";
import type { PublishOptions } from "./cli.js";
import { FlowTriggerApi } from "../gitlab/flow-triggers.js";
import { publishTriggers, type TriggerResult } from "./triggers.js";
import { botInitiators, initiatorMessage, type InitiatorWarning } from "../gitlab/initiators.js";

/** Catalog items are created and enabled: CI_JOB_TOKEN cannot. */
const WRITE: GitLabNeeds = { scope: "api", jobToken: false };

export async function publishCommand(
  options: PublishOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const dryRun = Boolean(options.dryRun);
  // Everything envsync.yaml and flows/ can be wrong about is said before GitLab is asked: a
  // config to fix comes before a token to create.
  const loaded = (await loadConfig(options.config)).config;
  // With no project named, the flows are enabled in the repository envsync.yaml is in (its
  // origin remote's project), as `init` leaves the config.
  const own =
    loaded.project || loaded.projects.length > 0
      ? undefined
      : await repositoryProject(ctx, dirname(options.config));
  const config = own ? { ...loaded, project: own } : loaded;
  const targets = publishTargets(config);
  checkRelease(options.release);
  // flows/ is compared with what envsync.yaml compiles to as written, not with the project added.
  const plan = await planBuild(loaded, { outDir: options.dir, version: envsyncVersion() });
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
  const items = desiredItems(plan);
  const progress = (line: string) => io.stderr(`${line}\n`);
  // The catalog project is named in envsync.yaml; only the instance may come from the origin remote.
  const where = { repo: ".", config: { project: config.catalog.project } };
  const { createTwoFilesPatch } = await import("diff");
  const diff = (name: string, before: string, after: string) =>
    createTwoFilesPatch(`${name} (catalog)`, `${name} (${options.dir})`, before, after, "", "", {
      context: 3,
    });
  let gitlab: GitLab | undefined;
  let results: ItemResult[];
  let triggers: TriggerResult[];
  try {
    gitlab = await openGitLab(ctx, WRITE, where);
    progress(
      `${dryRun ? "dry run: nothing will be written. " : ""}publishing ${plan.length} items to ${gitlab.baseUrl}`,
    );
    const catalog = new CatalogApi(gitlab);
    results = await publish(config, items, catalog, {
      dryRun,
      ...(options.release ? { version: options.release } : {}),
      onProgress: progress,
      diff,
    });
    triggers = await publishTriggers(
      config,
      targets.projects,
      { catalog, triggers: new FlowTriggerApi(gitlab) },
      { dryRun, group: targets.group, onProgress: progress },
    );
  } catch (error) {
    // A dry run that cannot ask the catalog still shows what it would publish; a publish fails.
    const reason = dryRun ? catalogNotAsked(error) : undefined;
    if (!reason) throw error;
    const host = gitlab?.baseUrl ?? (await gitlabUrl(ctx, where));
    showLocalPlan(ctx, options, {
      targets,
      items,
      reason,
      host,
      requests: gitlab?.http.requestCount ?? 0,
    });
    // Not 0: the plan says what would be published, not what would change, and a script (a CI
    // job previewing a merge request) should not read it as "compared, all is well". Not 1:
    // nothing failed that the plan depends on. 3 is "ran, and something needs attention".
    return ExitCode.findings;
  }
  const { http } = gitlab;
  const initiators = await initiatorWarnings(gitlab, config, triggers);
  for (const w of initiators) io.stderr(`warning: ${initiatorMessage(w)}\n`);
  for (const t of triggers)
    if (t.status === "refused" || t.status === "failed")
      io.stderr(
        `warning: trigger ${t.flow} in ${t.project}: ${t.note ?? t.status}${t.hint ? `\n  hint: ${t.hint}` : ""}\n`,
      );
  const failed = [
    ...results.filter((r) => r.error),
    ...triggers.filter((t) => t.status === "failed"),
  ];
  if (options.json) {
    io.stdout(
      json({
        dry_run: dryRun,
        compared: true,
        host: http.connection.baseUrl,
        requests: http.requestCount,
        items: results,
        triggers,
        initiators,
      }),
    );
  } else {
    if (dryRun) for (const r of results) if (r.diff) io.stdout(`${r.diff}\n`);
    io.stdout(itemTable(results));
    io.stdout(triggerTable(triggers));
  }
  return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
}

/** `--dry-run` when the catalog could not be asked: the local build's items, and why. */
function showLocalPlan(
  ctx: Pick<CommandContext, "io">,
  options: PublishOptions,
  facts: {
    targets: PublishTargets;
    items: readonly DesiredItem[];
    reason: EnvsyncError;
    host: string;
    requests: number;
  },
): void {
  const { reason } = facts;
  const results = localPlan(facts.targets, facts.items);
  if (options.json) {
    ctx.io.stdout(
      json({
        dry_run: true,
        compared: false,
        host: facts.host,
        requests: facts.requests,
        reason: {
          code: reason.code,
          message: reason.message,
          ...(reason.hint ? { hint: reason.hint } : {}),
        },
        items: results,
      }),
    );
    return;
  }
  const lines = [
    `not compared with the catalog: ${reason.message}`,
    ...(reason.hint ? [`  hint: ${reason.hint}`] : []),
    `the plan above is from ${options.dir} alone; once EnvSync can ask the catalog at ` +
      `${facts.host}, --dry-run shows what would change, with diffs`,
  ];
  ctx.io.stdout(`${itemTable(results)}${lines.join("\n")}\n`);
}

function itemTable(results: readonly ItemResult[]): string {
  const failed = results.some((r) => r.error);
  const rows = results.map((r) => [
    r.name,
    r.kind,
    r.status,
    summarize(r.consumers.map((c) => c.status)),
    r.serviceAccount ? `@${r.serviceAccount}` : "-",
    ...(failed ? [r.error ?? ""] : []),
  ]);
  const headers = ["item", "kind", "status", "enabled in group + projects", "mention"];
  return table(failed ? [...headers, "error"] : headers, rows);
}

function summarize(statuses: string[]): string {
  if (statuses.length === 0) return "-";
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
}

function triggerTable(triggers: readonly TriggerResult[]): string {
  const rows = triggers.map((t) => [
    t.project,
    t.flow,
    t.events.join(", ") || "-",
    t.status,
    t.status === "bridge only" || t.status === "refused" ? "-" : t.filtered ? "GitLab" : "the flow",
    t.bridge ? "kept" : "not needed",
  ]);
  return table(["project", "trigger for", "events", "status", "filtered by", "CI bridge"], rows);
}

/**
 * Bots that start the pipelines a pipeline trigger reacts to, in the projects where GitLab now
 * starts the doctor itself: GitLab runs no flow for them. A project GitLab does not let the token
 * look at is left out, not failed.
 */
async function initiatorWarnings(
  gitlab: GitLab,
  config: Parameters<typeof publishTriggers>[0],
  triggers: readonly TriggerResult[],
): Promise<InitiatorWarning[]> {
  const projects = [
    ...new Set(
      triggers
        .filter((t) => t.flow === "pipeline-doctor" && t.status !== "refused")
        .map((t) => t.project),
    ),
  ];
  const warnings: InitiatorWarning[] = [];
  for (const project of projects) {
    const branches = environmentsOf(config, project).map((e) => e.branch);
    try {
      warnings.push(...(await botInitiators(gitlab, project, branches)));
    } catch (error) {
      if (!(error instanceof EnvsyncError)) throw error;
    }
  }
  return warnings;
}
