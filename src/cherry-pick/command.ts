import { cherryPick, type CherryPickReport } from "./cherry-pick.js";
import { loadConfig } from "../config/load.js";
import { requireEnvironment } from "../config/resolve.js";
import { ExitCode, usageError } from "../errors.js";
import { gitIn } from "../git/git.js";
import { requireCheckout } from "../git/checkout.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { inlineCode } from "../gitlab/markdown.js";
import { CREATE_MERGE_REQUEST } from "../gitlab/rest-operations.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import { localActivity } from "../output/progress.js";
import { freshnessNotes } from "../git/branches.js";
import type { CherryPickOptions } from "./cli.js";

/** `--mr` pushes and opens a merge request: CI_JOB_TOKEN cannot. */
const OPEN_MR = { scope: "api", jobToken: false, project: "--mr" } as const satisfies GitLabNeeds;

export async function cherryPickCommand(
  options: CherryPickOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const env = requireEnvironment(config, options.to);
  if (env.protected && !options.dryRun && options.confirm !== env.name) {
    throw usageError(`${env.name} is protected: nothing was written`, {
      hint: `add --confirm ${env.name} to write into it`,
      code: "confirmation-required",
    });
  }
  await requireCheckout(options.repo, ctx.env);
  // Resolved before any work, so a missing project or token fails before a branch is made.
  const gitlab = options.mr
    ? await openGitLab(ctx, OPEN_MR, { repo: options.repo, config })
    : undefined;

  const activity = localActivity(io, { json: Boolean(options.json) });
  const report: CherryPickReport & { merge_request?: { iid: number; web_url: string } } =
    await cherryPick(
      { dir: options.repo, env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      config,
      env,
      options.shas,
      { dryRun: Boolean(options.dryRun), keepBranch: true, fetch: options.fetch, activity },
    ).finally(() => activity.done());
  for (const note of report.branches ? freshnessNotes(report.branches) : []) activity.note(note);
  if (report.status === "picked" && report.branch && gitlab) {
    await gitIn(options.repo, ctx.env, { gitCredentials: true }).run([
      "push",
      "--quiet",
      "origin",
      `refs/heads/${report.branch}:refs/heads/${report.branch}`,
    ]);
    const mr = await gitlab.rest.run(CREATE_MERGE_REQUEST, {
      project: gitlab.project,
      source: report.branch,
      target: env.branch,
      title: `Cherry-pick ${report.picked.length} commit${report.picked.length === 1 ? "" : "s"} to ${env.name}`,
      description: description(report),
      labels: config.promotion.merge_request.labels,
      removeSourceBranch: true,
    });
    report.merge_request = { iid: mr.iid, web_url: mr.web_url };
  }
  io.stdout(options.json ? json(report) : format(report));
  return report.status === "conflict" ? ExitCode.findings : ExitCode.ok;
}

function description(report: CherryPickReport): string {
  const lines = ["Opened by `envsync cherry-pick`.", "", "### Picks"];
  for (const p of report.picked) {
    lines.push(`- ${p.sha.slice(0, 10)} ${inlineCode(p.subject)}`);
    for (const t of p.tier1)
      lines.push(`  - tier 1: ${inlineCode(t.path)} resolved by ${t.rule} (${t.strategy})`);
    for (const path of p.kept ?? [])
      lines.push(`  - kept ${inlineCode(path)} as it is on the target (drift.expected)`);
  }
  if (report.skipped.length > 0) {
    lines.push("", "### Already on the branch");
    for (const s of report.skipped)
      lines.push(
        `- ${s.sha.slice(0, 10)} ${inlineCode(s.subject)} (${s.evidence}${s.on_target ? ` ${s.on_target.slice(0, 10)}` : ""})`,
      );
  }
  lines.push(
    "",
    "### Checks",
    "- [ ] the pipeline passes",
    "- [ ] tier-1 resolutions reviewed",
    `- [ ] \`envsync drift --to ${report.environment}\` shows no new drift after merge`,
  );
  return lines.join("\n");
}

function format(
  r: CherryPickReport & { merge_request?: { iid: number; web_url: string } },
): string {
  const lines = [
    `cherry-pick to ${r.environment} (${r.target_branch})${r.dry_run ? ", dry run" : ""}: ${r.status}`,
  ];
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
    lines.push(
      `  stopped at ${r.conflict.sha.slice(0, 10)} ${r.conflict.subject}; nothing was applied:`,
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
    lines.push("  next: mention the conflict-resolver flow on the issue or MR, or resolve by hand");
  }
  if (r.branch) lines.push(`  branch: ${r.branch}`);
  if (r.merge_request)
    lines.push(`  merge request: !${r.merge_request.iid} ${r.merge_request.web_url}`);
  else if (r.branch)
    lines.push("  push the branch and open a merge request, or run again with --mr");
  return `${lines.join("\n")}\n`;
}
