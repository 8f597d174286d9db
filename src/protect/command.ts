import { loadConfig } from "../config/load.js";
import type { CommandContext } from "../context.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { json } from "../output/io.js";
import type { ProtectOptions } from "./cli.js";
import { formatPlan } from "./format.js";
import { planProtection } from "../core/protection.js";
import { readProtection } from "../gitlab/protection-rest.js";
import { applyChanges } from "./apply.js";

/** Reading protection needs Maintainer; the job token reads none of it. */
const READ = { scope: "read_api", jobToken: false, project: "protect" } satisfies GitLabNeeds;
const WRITE = { scope: "api", jobToken: false, project: "protect" } satisfies GitLabNeeds;

export async function protectCommand(
  options: ProtectOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "signal">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const managed = config.environments.filter((e) => e.protection);
  if (managed.length === 0) {
    const message =
      "no environment declares `risk` or `protection` in envsync.yaml: nothing to protect";
    io.stdout(options.json ? json({ message, changes: [], findings: [] }) : `${message}\n`);
    return ExitCode.ok;
  }
  const gitlab = await openGitLab(ctx, options.dryRun ? READ : WRITE, {
    repo: options.repo,
    config,
  });
  const project = gitlab.project;
  const known = await readProtection(gitlab.rest, project);
  const plan = planProtection(managed, known);
  let applied: number | undefined;
  let notTaken: typeof plan.changes = [];
  if (!options.dryRun && plan.changes.length > 0) {
    applied = await applyChanges(gitlab.rest, project, plan.changes, known, {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (applied < plan.changes.length)
      throw new EnvsyncError(
        "interrupted",
        `interrupted after ${applied} of ${plan.changes.length} changes; each change is whole ` +
          "and nothing was left unprotected",
        { hint: "run `envsync protect` again to apply the rest" },
      );
    // What GitLab took is read back: a change it answered but did not make shows here.
    notTaken = planProtection(managed, await readProtection(gitlab.rest, project)).changes;
  }
  if (options.json)
    io.stdout(
      json({
        project,
        dry_run: Boolean(options.dryRun),
        premium: plan.premium,
        in_line: plan.changes.length === 0,
        environments: plan.environments,
        changes: plan.changes.map((c) => ({
          environment: c.environment,
          action: c.action,
          target: c.target,
          fields: c.fields,
          request: c.write,
        })),
        findings: plan.findings,
        ...(applied === undefined ? {} : { applied }),
        ...(notTaken.length > 0 ? { not_taken: notTaken.map((c) => c.target) } : {}),
      }),
    );
  else
    io.stdout(
      formatPlan(project, plan, {
        dryRun: Boolean(options.dryRun),
        ...(applied === undefined ? {} : { applied }),
        notTaken,
      }),
    );
  if (notTaken.length > 0) return ExitCode.failure;
  return options.dryRun && plan.changes.length > 0 ? ExitCode.findings : ExitCode.ok;
}
