import { loadConfig } from "../config/load.js";
import { projectUnknown } from "../config/resolve.js";
import type { CommandContext } from "../context.js";
import { ExitCode, usageError } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { json } from "../output/io.js";
import { driftApi, driftFleet, driftLocal, localHistoryGap, type DriftReport } from "./drift.js";
import { fleetProgress, localActivity, waitLine, type Progress } from "../output/progress.js";
import { freshnessNotes } from "../git/branches.js";
import { NOT_A_CHECKOUT, notACheckout, requireCheckout } from "../git/checkout.js";
import { formatFleet, formatReport } from "./format.js";
import { needsAttention } from "./pair.js";
import { selectPairs } from "./select-pairs.js";
import { inShard } from "../fleet/shard.js";
import type { DriftOptions } from "./cli.js";
import { protectionDiffers, protectionDrift } from "./protection.js";

/** drift reads compares and commits: GitLab does not take CI_JOB_TOKEN there. */
const READ: GitLabNeeds = { scope: "read_api", jobToken: false };

export async function driftCommand(
  options: DriftOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "now">,
): Promise<number> {
  const { io, env } = ctx;
  if (options.shard && !options.allProjects)
    throw usageError("--shard splits --all-projects; add --all-projects", { code: "usage" });
  const { config } = await loadConfig(options.config);
  const pairs = selectPairs(config, options.from, options.to);
  // Without --local or --api, a clone that cannot answer (a Duo flow's shallow workload checkout)
  // hands over to the API, when GitLab can be asked.
  const branches = [...new Set(pairs.flatMap((p) => [p.from, p.to]))].map(
    (name) => config.environments.find((e) => e.name === name)!.branch,
  );
  const gap =
    options.api || options.allProjects || options.local
      ? undefined
      : await localHistoryGap(options.repo, env, branches);
  const canAskGitLab = hasGitLabToken(env);
  const useApi = options.api || options.allProjects || (gap !== undefined && canAskGitLab);
  if (gap && useApi) io.stderr(`reading GitLab's API: the local clone is ${gap}\n`);
  const exitFor = (report: DriftReport) =>
    report.pairs.some(needsAttention) || protectionDiffers(report.protection)
      ? ExitCode.findings
      : ExitCode.ok;

  if (!useApi) {
    const orElse = "or set GITLAB_TOKEN to read GitLab's API";
    if (gap === NOT_A_CHECKOUT) throw notACheckout(options.repo, orElse);
    if (options.local) await requireCheckout(options.repo, env, orElse);
    const activity = localActivity(io, { json: Boolean(options.json) });
    let report: DriftReport;
    try {
      report = await driftLocal(
        config,
        { dir: options.repo, env, fetch: options.fetch, activity },
        pairs,
      );
    } finally {
      activity.done();
    }
    if (report.branches) for (const note of freshnessNotes(report.branches)) activity.note(note);
    const protection = await protectionDrift(config, pairs, ctx, { repo: options.repo });
    if (protection) report.protection = protection;
    report.generated_at = ctx.now().toISOString();
    io.stdout(options.json ? json(report) : formatReport(report));
    return exitFor(report);
  }

  // Set once the fleet run starts, so its waits for the rate limit join the progress line.
  const fleetRun: { progress?: Progress } = {};
  const gitlab = await openGitLab(ctx, READ, {
    repo: options.repo,
    config,
    onWait: (line) => waitLine(line, fleetRun.progress, ctx.http?.onWait),
  });
  if (!options.allProjects) {
    if (!gitlab.project) throw projectUnknown("API mode");
    const report = await driftApi(config, gitlab, gitlab.project, pairs);
    const protection = await protectionDrift(config, pairs, ctx, { repo: options.repo, gitlab });
    if (protection) {
      report.protection = protection;
      report.requests = gitlab.http.requestCount;
    }
    report.generated_at = ctx.now().toISOString();
    io.stdout(options.json ? json(report) : formatReport(report));
    return exitFor(report);
  }

  if (config.projects.length === 0)
    throw usageError("--all-projects needs projects[] in envsync.yaml", {
      code: "no-fleet-projects",
    });
  const projects = options.shard ? inShard(config.projects, options.shard) : config.projects;
  const progress = fleetProgress(io, { total: projects.length, what: "drift", now: ctx.now });
  fleetRun.progress = progress;
  let done = 0;
  const fleet = await driftFleet(config, gitlab, pairs, {
    concurrency: options.concurrency,
    projects,
    onProject: (result) => {
      done++;
      const error = result.error?.split("\n")[0];
      progress.done(`[${done}/${projects.length}] ${result.project}`, error && `failed: ${error}`);
    },
  });
  progress.finish();
  if (options.shard) fleet.shard = options.shard;
  fleet.generated_at = ctx.now().toISOString();
  io.stdout(options.json ? json(fleet) : formatFleet(fleet.projects));
  if (fleet.projects.some((p) => p.error)) return ExitCode.failure;
  const attention = fleet.projects.some((p) => p.pairs?.some(needsAttention));
  return attention ? ExitCode.findings : ExitCode.ok;
}
