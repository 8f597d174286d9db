import { cherryPick, type CherryPickReport } from "./cherry-pick.js";
import { loadConfig } from "../config/load.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { EnvsyncError, ExitCode, usageError } from "../errors.js";
import { gitIn } from "../git/git.js";
import { requireCheckout } from "../git/checkout.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { localActivity } from "../output/progress.js";
import { freshnessNotes } from "../git/branches.js";
import type { CherryPickOptions } from "./cli.js";
import { pickMergeRequest, type PickMergeRequest } from "./merge-request.js";
import { mergedMergeRequest, mergeRequestReference, type MergedMergeRequest } from "./merged-mr.js";
import { DOWNSTREAM, downstreamTargets, namedTargets } from "./targets.js";

/** `--mr` pushes and opens a merge request: CI_JOB_TOKEN cannot. */
const OPEN_MR = { scope: "api", jobToken: false, project: "--mr" } as const satisfies GitLabNeeds;
/** `!IID` reads the merged merge request. */
const READ_MR = {
  scope: "read_api",
  jobToken: false,
  project: "cherry-pick !IID",
} as const satisfies GitLabNeeds;

type TargetReport = CherryPickReport & {
  merge_request?: PickMergeRequest;
  source_merge_request?: { iid: number; method: MergedMergeRequest["method"] };
};

/** A target that failed, or was not run after a conflict (`--stop-on-conflict`). */
interface TargetNotPicked {
  environment: string;
  status: "failed" | "not run";
  reason: string;
  error?: { code: string; message: string; hint?: string };
}

export async function cherryPickCommand(
  options: CherryPickOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  if (options.autoMerge && !options.mr)
    throw usageError("--auto-merge sets the pick's merge request to merge: it needs --mr", {
      hint: "add --mr",
    });
  const mrRefs = options.refs.map(mergeRequestReference);
  const sourceIid = mrRefs[0];
  if (mrRefs.some((r) => r !== undefined) && (options.refs.length > 1 || sourceIid === undefined))
    throw usageError("pick one merge request (!IID) alone, or commits by SHA", {
      hint: "run once per merge request",
    });
  // Named targets are checked before anything is read: a typo fails first.
  const named = options.to === DOWNSTREAM ? undefined : namedTargets(config, options.to);
  await requireCheckout(options.repo, ctx.env);
  const write = Boolean(options.mr) && !options.dryRun;
  // Resolved before any work, so a missing project or token fails before a branch is made.
  const gitlab = write
    ? await openGitLab(ctx, OPEN_MR, { repo: options.repo, config })
    : sourceIid !== undefined
      ? await openGitLab(ctx, READ_MR, { repo: options.repo, config })
      : undefined;
  const source =
    sourceIid !== undefined && gitlab
      ? await mergedMergeRequest(gitlab.rest, gitlab.project, sourceIid)
      : undefined;
  const shas = source ? source.shas : options.refs;
  const git = gitIn(options.repo, ctx.env, ctx.signal ? { signal: ctx.signal } : {});
  const targets =
    named ??
    (await downstreamTargets(
      config,
      git,
      shas,
      source && config.environments.find((e) => e.branch === source.target_branch)?.name,
    ));
  requireConfirmation(targets, options);

  const reports: (TargetReport | TargetNotPicked)[] = [];
  let stopped: string | undefined;
  for (const env of targets) {
    if (stopped) {
      reports.push({
        environment: env.name,
        status: "not run",
        reason: `--stop-on-conflict: ${stopped} stopped on conflicts`,
      });
      continue;
    }
    try {
      const report = await pickInto(env, shas, source, gitlab, config, options, ctx);
      reports.push(report);
      if (report.status === "conflict" && options.stopOnConflict) stopped = env.name;
    } catch (error) {
      // One target failing leaves the others to run; an interrupt stops them all.
      if (targets.length === 1 || !(error instanceof EnvsyncError) || error.code === "interrupted")
        throw error;
      reports.push({
        environment: env.name,
        status: "failed",
        reason: error.message,
        error: {
          code: error.code,
          message: error.message,
          ...(error.hint ? { hint: error.hint } : {}),
        },
      });
    }
  }
  const single = targets.length === 1 ? (reports[0] as TargetReport) : undefined;
  if (options.json) io.stdout(json(single ?? { targets: reports }));
  else io.stdout(reports.map(format).join(""));
  if (reports.some((r) => r.status === "failed")) return ExitCode.failure;
  const conflicted = reports.some(
    (r) =>
      r.status === "conflict" ||
      (r.status === "branch exists" && "target_branch" in r && r.merge_request?.draft),
  );
  return conflicted ? ExitCode.findings : ExitCode.ok;
}

/** Every protected target must be named by --confirm (ENV or ENV,ENV) before anything is written. */
function requireConfirmation(targets: ResolvedEnvironment[], options: CherryPickOptions): void {
  if (options.dryRun) return;
  const confirmed = new Set((options.confirm ?? "").split(",").map((n) => n.trim()));
  const unconfirmed = targets.filter((e) => e.protected && !confirmed.has(e.name));
  if (unconfirmed.length === 0) return;
  const names = unconfirmed.map((e) => e.name).join(",");
  throw usageError(
    `${names} ${unconfirmed.length === 1 ? "is" : "are"} protected: nothing was written`,
    {
      hint: `add --confirm ${names} to write into ${unconfirmed.length === 1 ? "it" : "them"}`,
      code: "confirmation-required",
    },
  );
}

async function pickInto(
  env: ResolvedEnvironment,
  shas: readonly string[],
  source: MergedMergeRequest | undefined,
  gitlab: Awaited<ReturnType<typeof openGitLab>> | undefined,
  config: ResolvedConfig,
  options: CherryPickOptions,
  ctx: Pick<CommandContext, "io" | "env" | "signal">,
): Promise<TargetReport> {
  const activity = localActivity(ctx.io, { json: Boolean(options.json) });
  const repo = { dir: options.repo, env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const report: TargetReport = await cherryPick(repo, config, env, shas, {
    dryRun: Boolean(options.dryRun),
    keepBranch: true,
    fetch: options.fetch,
    activity,
    commitConflicts: Boolean(options.mr),
    reuseBranch: Boolean(options.mr),
  }).finally(() => activity.done());
  for (const note of report.branches ? freshnessNotes(report.branches) : []) activity.note(note);
  if (source) report.source_merge_request = { iid: source.iid, method: source.method };
  if (!options.mr) return report;
  const mr = await pickMergeRequest(
    gitlab && options.mr && !options.dryRun
      ? { ...gitlab, project: gitlab.project as string }
      : undefined,
    config,
    env,
    report,
    {
      dryRun: Boolean(options.dryRun),
      ...(source ? { source } : {}),
      autoMerge: Boolean(options.autoMerge),
      resolver: options.resolver,
      replan: () =>
        cherryPick(repo, config, env, shas, { dryRun: true, keepBranch: false, fetch: false }),
      push: async (branch) => {
        await gitIn(options.repo, ctx.env, { gitCredentials: true }).run([
          "push",
          "--quiet",
          "origin",
          `refs/heads/${branch}:refs/heads/${branch}`,
        ]);
      },
    },
  );
  if (mr) report.merge_request = mr;
  return report;
}

function format(target: TargetReport | TargetNotPicked): string {
  if (!("target_branch" in target))
    return `cherry-pick to ${target.environment}: ${target.status}: ${target.reason}\n`;
  const r = target;
  const lines = [
    `cherry-pick to ${r.environment} (${r.target_branch})${r.dry_run ? ", dry run" : ""}: ${r.status}`,
  ];
  if (r.source_merge_request)
    lines.push(`  merge request !${r.source_merge_request.iid} (${r.source_merge_request.method})`);
  for (const s of r.skipped)
    lines.push(
      `  skipped ${s.sha.slice(0, 10)} ${s.subject}: ` +
        (s.evidence === "environment-local"
          ? `changes only files ${r.target_branch} keeps as they are (drift.expected)`
          : `already on ${r.target_branch} (${s.evidence})`),
    );
  for (const p of r.picked) {
    lines.push(
      `  picked  ${p.sha.slice(0, 10)} ${p.subject}${r.dry_run ? "" : ` → ${p.new_sha.slice(0, 10)}`}`,
    );
    if (p.kept)
      lines.push(`          kept ${r.target_branch}'s own ${p.kept.join(", ")} (drift.expected)`);
    for (const t of p.tier1) {
      const note = t.not_run ? `; not run in a ${t.not_run}` : "";
      lines.push(`          tier 1: ${t.path} (${t.strategy}, ${t.rule}${note})`);
      for (const line of (t.command_output ?? "").split("\n").filter(Boolean))
        lines.push(`            | ${line}`);
    }
  }
  if (r.conflict) {
    const at = `${r.conflict.sha.slice(0, 10)} ${r.conflict.subject}`;
    lines.push(
      r.conflict.left_as_markers
        ? `  conflicts at ${at}: committed with markers in ${r.conflict.left_as_markers.join(", ")}`
        : r.merge_request?.action === "planned"
          ? `  conflicts at ${at}: would be committed with markers for a draft merge request`
          : `  stopped at ${at}; nothing was applied:`,
    );
    for (const f of r.conflict.files)
      lines.push(
        `    tier ${f.tier}  ${f.path}  (${f.hunks.length} hunk${f.hunks.length === 1 ? "" : "s"}; ${f.reason})`,
      );
    if (r.conflict.prerequisites.length > 0) {
      lines.push("  it builds on commits the target does not have yet (oldest first):");
      for (const p of r.conflict.prerequisites)
        lines.push(`    ${p.sha.slice(0, 10)} ${p.subject}`);
      lines.push(`  pick them together: ${r.conflict.with_prerequisites}`);
    }
    if (r.conflict.not_picked.length > 0)
      lines.push(`  not picked: ${r.conflict.not_picked.map((s) => s.slice(0, 10)).join(" ")}`);
    if (!r.merge_request)
      lines.push(
        "  next: run again with --mr for a draft merge request, mention the conflict-resolver flow, or resolve by hand",
      );
  }
  if (r.branch) lines.push(`  branch: ${r.branch}`);
  const mr = r.merge_request;
  if (mr) {
    lines.push(
      mr.action === "planned"
        ? `  would open${mr.draft ? " a draft" : ""} merge request: ${mr.title} [${mr.labels.join(", ")}]`
        : `  merge request !${mr.iid} ${mr.action}${mr.draft ? " (draft)" : ""}: ${mr.web_url}`,
    );
    if (mr.resolver)
      lines.push(`  conflict resolver: ${mr.resolver.action} (${mr.resolver.reason})`);
    if (mr.source_note) lines.push(`  link on !${mr.source_note.iid}: ${mr.source_note.action}`);
    if (mr.auto_merge)
      lines.push(
        `  auto-merge: ${mr.auto_merge.set ? "set" : "not set"} (${mr.auto_merge.reason})`,
      );
  } else if (r.branch && r.status === "picked")
    lines.push("  push the branch and open a merge request, or run again with --mr");
  return `${lines.join("\n")}\n`;
}
