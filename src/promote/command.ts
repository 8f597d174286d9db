import { loadConfig } from "../config/load.js";
import { requireEnvironment } from "../config/resolve.js";
import type { CommandContext } from "../context.js";
import { readPairApi } from "../drift/api-reader.js";
import { localHistoryGap } from "../drift/drift.js";
import { readPairLocal } from "../drift/local-reader.js";
import { ExitCode, usageError } from "../errors.js";
import { gitIn } from "../git/git.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { json } from "../output/io.js";
import { localActivity } from "../output/progress.js";
import { freshBranchesIn, freshnessNotes } from "../git/branches.js";
import { NOT_A_CHECKOUT, notACheckout, requireCheckout } from "../git/checkout.js";
import { table } from "../output/table.js";
import { promote, type PromotionReport } from "./promote.js";
import type { PromoteOptions } from "./cli.js";

/**
 * Checking the gates reads compares and pipelines, which GitLab does not show to CI_JOB_TOKEN;
 * opening the merge request writes.
 */
const CHECK = {
  scope: "read_api",
  jobToken: false,
  project: "promote",
} as const satisfies GitLabNeeds;
const OPEN_MR = {
  scope: "api",
  jobToken: false,
  project: "promote",
} as const satisfies GitLabNeeds;

export async function promoteCommand(
  options: PromoteOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http" | "now">,
): Promise<number> {
  const { io, env } = ctx;
  const { config } = await loadConfig(options.config);
  const from = requireEnvironment(config, options.from);
  const to = requireEnvironment(config, options.to);
  if (!config.promotion.pairs.some((p) => p.from === from.name && p.to === to.name)) {
    throw usageError(`${from.name} → ${to.name} is not a step of the promotion chain`, {
      hint: `the chain is ${config.promotion.chain.join(" → ")}; promote one step at a time`,
      code: "not-adjacent",
    });
  }
  if (to.protected && !options.dryRun && options.confirm !== to.name)
    throw usageError(`${to.name} is protected: nothing was written`, {
      hint: `add --confirm ${to.name} to promote into it`,
      code: "confirmation-required",
    });

  const hasToken = hasGitLabToken(env);
  const gap =
    options.api || options.local
      ? undefined
      : await localHistoryGap(options.repo, env, [from.branch, to.branch]);
  const useApi = options.api || (gap !== undefined && hasToken);
  if (gap && useApi) io.stderr(`reading GitLab's API: the local clone is ${gap}\n`);
  if (!useApi) {
    const orElse = "or set GITLAB_TOKEN and use --api";
    if (gap === NOT_A_CHECKOUT) throw notACheckout(options.repo, orElse);
    if (options.local) await requireCheckout(options.repo, env, orElse);
  }
  // Opening the merge request needs GitLab; gates that need it are unknown without a token.
  const needGitLab = useApi || !options.dryRun || hasToken;
  const gitlab = needGitLab
    ? await openGitLab(ctx, options.dryRun ? CHECK : OPEN_MR, { repo: options.repo, config })
    : undefined;
  const pair = { from: from.name, to: to.name, fromBranch: from.branch, toBranch: to.branch };
  const activity = localActivity(io, { json: Boolean(options.json) });
  const branches = useApi
    ? undefined
    : await freshBranchesIn({ dir: options.repo, env }, [from.branch, to.branch], {
        fetch: options.fetch,
        onFetch: () => activity.step(`fetching ${from.branch}, ${to.branch} from origin`),
      }).finally(() => activity.done());
  for (const note of branches ? freshnessNotes(branches) : []) activity.note(note);
  const read = () =>
    useApi && gitlab
      ? readPairApi(gitlab, gitlab.project, pair)
      : readPairLocal(gitIn(options.repo, env), pair);
  const report = await promote(
    config,
    { from, to },
    {
      read,
      ...(gitlab ? { gitlab: { rest: gitlab.rest, project: gitlab.project } } : {}),
    },
    { dryRun: Boolean(options.dryRun), now: ctx.now() },
  );
  io.stdout(
    options.json
      ? json({ ...report, ...(branches ? { branches } : {}) })
      : format(report, Boolean(options.dryRun)),
  );
  return report.allowed ? ExitCode.ok : ExitCode.findings;
}

function format(r: PromotionReport, dryRun: boolean): string {
  const verdict = r.allowed ? "allowed" : "blocked";
  const lines = [
    `promote ${r.from} → ${r.to}${dryRun ? ", dry run" : ""}: ${verdict}, ${r.pending.length} pending commit${r.pending.length === 1 ? "" : "s"}`,
    table(
      ["gate", "status", "detail"],
      r.gates.map((g) => [g.name, g.status, g.detail]),
    ).trimEnd(),
  ];
  for (const c of r.pending.slice(0, 15))
    lines.push(`  ${c.sha.slice(0, 10)}  ${c.subject}  (${c.author}, ${c.date.slice(0, 10)})`);
  if (r.pending.length > 15) lines.push(`  … and ${r.pending.length - 15} more (--json lists all)`);
  const branch = r.promotion_branch;
  if (branch) {
    const how = { planned: "would come", created: "comes", updated: "comes", unchanged: "comes" };
    lines.push(
      `the merge request ${how[branch.action]} from ${branch.name}, which keeps ${r.to}'s own ` +
        `version of: ${branch.kept.map((k) => k.path).join(", ")}`,
    );
  }
  if (r.merge_request)
    lines.push(
      `merge request !${r.merge_request.iid} ${r.merge_request.action}: ${r.merge_request.web_url}`,
    );
  else if (r.allowed && r.pending.length === 0) lines.push("nothing to promote");
  else if (r.allowed && dryRun) lines.push("run again without --dry-run to open the merge request");
  return `${lines.join("\n")}\n`;
}
