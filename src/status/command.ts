import { loadConfig } from "../config/load.js";
import { ExitCode, usageError } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { inShard } from "../fleet/shard.js";
import { fleetProgress, waitLine } from "../output/progress.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { gatherStatus, type ProjectStatus, type StatusTarget } from "./status.js";
import type { StatusOptions } from "./cli.js";

/** status asks GraphQL and compares: GitLab takes CI_JOB_TOKEN for neither. */
const READ: GitLabNeeds = { scope: "read_api", jobToken: false };

export async function statusCommand(
  options: StatusOptions,
  ctx: Pick<CommandContext, "io" | "env" | "now" | "http">,
): Promise<number> {
  const { io } = ctx;
  if (options.shard && !options.allProjects)
    throw usageError("--shard splits --all-projects; add --all-projects");
  const { config } = await loadConfig(options.config);
  const gitlab = await openGitLab(
    ctx,
    options.allProjects ? READ : { ...READ, project: "status" },
    {
      repo: ".",
      config,
      maxConcurrent: options.concurrency,
      onWait: (line) => waitLine(line, progress, ctx.http?.onWait),
    },
  );
  let targets: StatusTarget[];
  if (options.allProjects) {
    if (config.projects.length === 0)
      throw usageError("--all-projects needs projects[] in envsync.yaml", {
        code: "no-fleet-projects",
      });
    targets = options.shard ? inShard(config.projects, options.shard) : config.projects;
  } else {
    targets = [
      {
        path: gitlab.project!,
        environments: config.environments,
      },
    ];
  }
  const progress = options.allProjects
    ? fleetProgress(io, { total: targets.length, what: "status", now: ctx.now })
    : undefined;
  let done = 0;
  const projects = await gatherStatus(targets, config.promotion.pairs, gitlab, {
    batchSize: options.batch,
    drift: config.drift,
    onProject: (p) => {
      done++;
      progress?.done(`[${done}/${targets.length}] ${p.project}`, p.error && `failed: ${p.error}`);
    },
  });
  progress?.finish();
  const now = ctx.now();
  if (options.json)
    io.stdout(
      json({
        generated_at: now.toISOString(),
        ...(options.shard ? { shard: options.shard } : {}),
        requests: gitlab.http.requestCount,
        projects,
      }),
    );
  else io.stdout(projects.map((p) => formatProject(p, now)).join("\n"));
  return projects.some((p) => p.error) ? ExitCode.failure : ExitCode.ok;
}

function formatProject(project: ProjectStatus, now: Date): string {
  if (project.error) return `== ${project.project}\n  failed: ${project.error}\n`;
  const rows = project.environments.map((e) => [
    e.environment,
    e.branch,
    e.head
      ? `${e.head.sha.slice(0, 8)} ${truncate(e.head.title, 40)} (${age(e.head.committed_at, now)})`
      : "(no branch)",
    e.pipeline ? `${e.pipeline.status} ${age(e.pipeline.created_at, now)}` : "-",
    e.deployment
      ? `${e.deployment.sha?.slice(0, 8) ?? "?"} ${age(e.deployment.finished_at, now)}${e.deployment.deploys_head ? "" : " (behind head)"}`
      : "-",
    e.drift
      ? `${e.drift.pending} pending from ${e.drift.from}${e.drift.missing_upstream ? `, ${e.drift.missing_upstream} missing upstream` : ""}`
      : "-",
  ]);
  return `== ${project.project}\n${table(["environment", "branch", "head", "pipeline", "last deployment", "drift"], rows)}`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function age(iso: string | null, now: Date): string {
  if (!iso) return "?";
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}
