import { loadConfig } from "../config/load.js";
import { requireEnvironment } from "../config/resolve.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { commitSha, gitIn } from "../git/git.js";
import { openGitLab, type GitLab, type GitLabNeeds } from "../gitlab/access.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { code } from "../gitlab/markdown.js";
import {
  CREATE_MERGE_REQUEST,
  CREATE_NOTE,
  OPEN_MERGE_REQUESTS,
} from "../gitlab/rest-operations.js";
import { autoMergeWhenPipelineRuns } from "../gitlab/auto-merge.js";
import { ROLLBACK_LABEL, rollbackRecords } from "../gitlab/rollback-record.js";
import { readText } from "../output/files.js";
import { decideAutoRollback, parseDiagnosis, type AutoDecision } from "./auto.js";
import { json } from "../output/io.js";
import { localActivity } from "../output/progress.js";
import { requireCheckout } from "../git/checkout.js";
import { gatherAssessment, type GatheredAssessment } from "./assessment.js";
import type { RollbackOptions } from "./cli.js";
import { rollbackDescription } from "./describe.js";
import { redeploy, type RedeployOutcome } from "./redeploy.js";
import { planReverts, revertInWorktree, type RevertOutcome, type RevertPlan } from "./revert.js";

/** Reading deployments: CI_JOB_TOKEN will do. */
const READ = { scope: "read_api", jobToken: true } as const satisfies GitLabNeeds;
/** Opening the merge request, or re-running a job: an access token (or a flow job's). */
const WRITE = { scope: "api", jobToken: false, project: "rollback" } as const satisfies GitLabNeeds;

export interface RollbackReport {
  environment: string;
  via: "revert" | "redeploy";
  dry_run: boolean;
  status:
    | "blocked"
    | "planned"
    | "reverted"
    | "unchanged"
    | "already rolled back"
    | "conflict"
    | "redeployed"
    | "refused"
    | "not rolled back";
  /** What rollback-check decides: the gate. */
  assessment: GatheredAssessment;
  /** Why the gate stopped it; nothing was changed. */
  blocked_by?: string[];
  /** The reverts, newest first, and every commit they undo (`--via revert`). */
  plan?: Pick<RevertPlan, "branch" | "base_sha" | "reverts" | "undone">;
  reverted?: RevertOutcome["reverted"];
  skipped?: RevertOutcome["skipped"];
  conflict?: RevertOutcome["conflict"];
  branch?: string;
  merge_request?: { iid: number; web_url: string; action: "created" | "existing" } | null;
  redeploy?: RedeployOutcome;
  /** `--after-diagnosis`: the automatic rollback's decision, with every reason. */
  auto?: AutoDecision & {
    /** Whether GitLab will merge the rollback once its pipeline succeeds, or why not. */
    merge_when_pipeline_succeeds?: true | string;
  };
}

export async function rollbackCommand(
  options: RollbackOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal" | "now">,
): Promise<number> {
  const { io, env } = ctx;
  const { config } = await loadConfig(options.config);
  const environment = requireEnvironment(config, options.env);
  const diagnosis = options.afterDiagnosis
    ? parseDiagnosis(await readText(options.afterDiagnosis), options.afterDiagnosis)
    : undefined;
  const via = options.via;
  const dryRun = Boolean(options.dryRun);
  // An access token (or a flow job's) can write; CI_JOB_TOKEN only reads the deployments.
  const writer = Boolean(env.GITLAB_TOKEN || env.GITLAB_OAUTH_TOKEN);
  // Refused before GitLab is asked anything.
  await requireCheckout(options.repo, env);
  const gitlab =
    via === "redeploy" || (writer && !dryRun)
      ? await openGitLab(ctx, WRITE, { repo: options.repo, config })
      : hasGitLabToken(env)
        ? await openGitLab(ctx, READ, { repo: options.repo, config })
        : undefined;
  const { assessment, deployments, history } = await gatherAssessment(
    options,
    config,
    environment,
    gitlab,
    ctx,
  );
  const report: RollbackReport = {
    environment: environment.name,
    via,
    dry_run: dryRun,
    status: "planned",
    assessment,
  };
  // Listing an environment in rollback.auto.environments confirms its automatic rollbacks.
  const optedIn = diagnosis && config.rollback.auto.environments.includes(environment.name);
  const blockedBy = gate(
    assessment,
    environment,
    optedIn ? environment.name : options.confirm,
    dryRun,
  );
  if (diagnosis) {
    const git = gitIn(options.repo, env, ctx.signal ? { signal: ctx.signal } : {});
    const plan =
      assessment.risk === "blocked"
        ? undefined
        : await planReverts(git, environment, assessment.target.sha, assessment.deployed.sha);
    const records =
      gitlab?.project && writer
        ? await rollbackRecords({ rest: gitlab.rest, project: gitlab.project }, environment.branch)
        : undefined;
    const decision = decideAutoRollback({
      config,
      environment,
      diagnosis,
      undone: plan?.undone.map((c) => c.sha) ?? [],
      recentRollbacks: (records ?? [])
        .filter((r) => r.environment === environment.name)
        .flatMap((r) => (r.merge_request.created_at ? [r.merge_request.created_at] : [])),
      now: ctx.now(),
      blockedBy,
    });
    if (!records)
      decision.reasons.push(
        "no GitLab token that may open merge requests: an automatic rollback opens one",
      );
    decision.act = decision.act && records !== undefined;
    report.auto = decision;
    if (!decision.act) {
      report.status = "not rolled back";
      return done(report);
    }
  } else if (blockedBy.length > 0) {
    report.status = "blocked";
    report.blocked_by = blockedBy;
    return done(report);
  }

  if (via === "redeploy") {
    const outcome = await redeploy(
      { ...gitlab!, project: gitlab!.project! },
      assessment.target,
      { deployments: deployments ?? [], source: history?.source ?? "deployments" },
      { dryRun },
    );
    report.redeploy = outcome;
    report.status = outcome.status;
    return done(report);
  }

  const git = gitIn(options.repo, env, ctx.signal ? { signal: ctx.signal } : {});
  const plan = await planReverts(git, environment, assessment.target.sha, assessment.deployed.sha);
  report.plan = plan;
  const activity = localActivity(io, { json: Boolean(options.json) });
  const outcome = await revertInWorktree(
    { dir: options.repo, env, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    config,
    environment,
    plan,
    { target: assessment.target.sha, deployed: assessment.deployed.sha },
    { dryRun, activity },
  ).finally(() => activity.done());
  report.status =
    dryRun && !["conflict", "already rolled back"].includes(outcome.status)
      ? "planned"
      : outcome.status;
  report.reverted = outcome.reverted;
  report.skipped = outcome.skipped;
  if (outcome.conflict) report.conflict = outcome.conflict;
  if (outcome.branch) {
    report.branch = outcome.branch;
    report.merge_request =
      gitlab && writer
        ? await pushAndOpen(
            options.repo,
            env,
            gitlab,
            config,
            environment,
            assessment,
            plan,
            outcome,
          )
        : null;
    if (report.auto && report.merge_request?.action === "created" && gitlab?.project)
      report.auto.merge_when_pipeline_succeeds = await explainAndAutoMerge(
        { rest: gitlab.rest, project: gitlab.project },
        {
          iid: report.merge_request.iid,
          branch: outcome.branch,
          head: await commitSha(git, `refs/heads/${outcome.branch}`),
        },
        report.auto,
        ctx.signal,
      );
  }
  return done(report);

  function done(r: RollbackReport): number {
    io.stdout(options.json ? json(r) : format(r));
    return ["blocked", "conflict", "refused", "not rolled back"].includes(r.status)
      ? ExitCode.findings
      : ExitCode.ok;
  }
}

/**
 * Says on the automatic rollback's merge request why EnvSync opened it, and asks GitLab to merge it
 * once its pipeline succeeds; where the token may not, the answer says why.
 */
async function explainAndAutoMerge(
  gitlab: { rest: GitLab["rest"]; project: string },
  mergeRequest: { iid: number; branch: string; head: string | undefined },
  decision: AutoDecision,
  signal: AbortSignal | undefined,
): Promise<true | string> {
  const { iid } = mergeRequest;
  const body = [
    `**EnvSync** opened this rollback on its own after the pipeline doctor's diagnosis of ` +
      `pipeline ${decision.pipeline_id} (rollback.auto):`,
    ...decision.reasons.map((r) => `- ${code(r, 400)}`),
  ].join("\n");
  await gitlab.rest.run(CREATE_NOTE, { ...gitlab, kind: "merge_requests", iid, body });
  const outcome = await autoMergeWhenPipelineRuns(gitlab, mergeRequest, signal);
  return outcome.set ? true : `not set: ${outcome.reason}`;
}

/** What stops the rollback before anything changes: exactly what rollback-check decides. */
function gate(
  assessment: GatheredAssessment,
  environment: ResolvedEnvironment,
  confirm: string | undefined,
  dryRun: boolean,
): string[] {
  const blocked: string[] = [];
  if (assessment.risk === "blocked")
    blocked.push(
      ...assessment.reasons.filter((r) => r.startsWith("irreversible migration")),
      "roll forward with a fix, or write and review a down migration first",
    );
  // A dry run writes nothing, so it needs no confirmation; it says it will be needed.
  if (assessment.confirmation_required && confirm !== environment.name && !dryRun)
    blocked.push(
      `${environment.name} needs confirmation (${assessment.confirmation_required}): ` +
        `add --confirm ${environment.name}`,
    );
  return blocked;
}

/**
 * Pushes the branch and opens its merge request, or finds the one an earlier run opened: a second
 * run never opens another.
 */
async function pushAndOpen(
  repo: string,
  env: CommandContext["env"],
  gitlab: GitLab & { project: string | undefined },
  config: ResolvedConfig,
  environment: ResolvedEnvironment,
  assessment: GatheredAssessment,
  plan: RevertPlan,
  outcome: RevertOutcome,
): Promise<NonNullable<RollbackReport["merge_request"]>> {
  const project = gitlab.project!;
  const branch = outcome.branch!;
  await gitIn(repo, env, { gitCredentials: true }).run([
    ...["push", "--quiet", "origin"],
    `refs/heads/${branch}:refs/heads/${branch}`,
  ]);
  const [open] = await gitlab.rest.run(OPEN_MERGE_REQUESTS, {
    project,
    source: branch,
    target: environment.branch,
  });
  if (open) return { iid: open.iid, web_url: open.web_url, action: "existing" };
  const created = await gitlab.rest.run(CREATE_MERGE_REQUEST, {
    project,
    source: branch,
    target: environment.branch,
    title: `Roll back ${environment.name} to ${assessment.target.sha.slice(0, 10)}`,
    description: rollbackDescription(assessment, plan, outcome),
    labels: [...new Set([...config.promotion.merge_request.labels, ROLLBACK_LABEL])],
    removeSourceBranch: true,
  });
  return { iid: created.iid, web_url: created.web_url, action: "created" };
}

function format(r: RollbackReport): string {
  const a = r.assessment;
  const lines = [
    `rollback ${r.environment} via ${r.via}${r.dry_run ? ", dry run" : ""}: ${r.status}`,
    `  deployed ${a.deployed.sha.slice(0, 10)} → target ${a.target.sha.slice(0, 10)}, risk ${a.risk}`,
    ...a.reasons.map((reason) => `    - ${reason}`),
  ];
  for (const b of r.blocked_by ?? []) lines.push(`  blocked: ${b}`);
  if (r.blocked_by) lines.push("  nothing was changed");
  if (r.plan && !r.blocked_by) {
    lines.push(`  commits undone (${r.plan.undone.length}):`);
    for (const c of r.plan.undone)
      lines.push(
        `    ${c.sha.slice(0, 10)} ${c.subject}${c.in_merge ? `  (in merge ${c.in_merge.slice(0, 10)})` : ""}`,
      );
    lines.push(`  reverts on ${r.plan.branch}, newest first:`);
    for (const p of r.plan.reverts)
      lines.push(`    revert ${p.merge ? "-m 1 " : ""}${p.sha.slice(0, 10)} ${p.subject}`);
  }
  for (const x of r.reverted ?? []) {
    if (!r.dry_run) lines.push(`  reverted ${x.sha.slice(0, 10)} → ${x.new_sha.slice(0, 10)}`);
    if (x.kept) lines.push(`    kept ${r.environment}'s own ${x.kept.join(", ")} (drift.expected)`);
    for (const t of x.tier1)
      lines.push(`    tier 1: ${t.path} (${t.strategy}, ${t.rule}${t.not_run ? "; not run" : ""})`);
  }
  for (const s of r.skipped ?? [])
    lines.push(`  nothing to revert in ${s.sha.slice(0, 10)} ${s.subject} (${s.reason})`);
  if (r.conflict) {
    lines.push(
      `  stopped at ${r.conflict.sha.slice(0, 10)} ${r.conflict.subject}; nothing was applied:`,
    );
    for (const f of r.conflict.files) lines.push(`    tier ${f.tier}  ${f.path}  (${f.reason})`);
    lines.push("  next: resolve by hand, or mention the conflict-resolver flow");
  }
  if (r.status === "already rolled back")
    lines.push(`  the branch already has the target's files: deploy it`);
  if (r.redeploy) {
    const d = r.redeploy;
    if (d.job_id) lines.push(`  deploy job ${d.job_id} (deployment #${d.deployment_id ?? "?"})`);
    if (d.new_job) lines.push(`  started job ${d.new_job.id}: ${d.new_job.web_url}`);
    if (d.reason) lines.push(`  refused: ${d.reason}`);
  }
  if (r.branch) lines.push(`  branch: ${r.branch}`);
  if (r.merge_request)
    lines.push(
      `  merge request !${r.merge_request.iid} (${r.merge_request.action}): ${r.merge_request.web_url}`,
    );
  else if (r.branch) lines.push("  push the branch and open a merge request, or set GITLAB_TOKEN");
  if (r.auto) {
    lines.push(`  automatic rollback: ${r.auto.act ? "yes" : "no"}`);
    for (const reason of r.auto.reasons) lines.push(`    - ${reason}`);
    if (r.auto.merge_when_pipeline_succeeds === true)
      lines.push("  GitLab merges it once its pipeline succeeds");
    else if (r.auto.merge_when_pipeline_succeeds)
      lines.push(`  merge when the pipeline succeeds: ${r.auto.merge_when_pipeline_succeeds}`);
  }
  if (r.dry_run && r.assessment.confirmation_required)
    lines.push(`  confirmation required: --confirm ${r.environment}`);
  return `${lines.join("\n")}\n`;
}
