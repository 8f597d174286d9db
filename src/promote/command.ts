import { loadConfig } from "../config/load.js";
import { requireEnvironment, requireProject } from "../config/resolve.js";
import type { CommandContext } from "../context.js";
import { readPairApi } from "../drift/api-reader.js";
import { localHistoryGap } from "../drift/drift.js";
import { readPairLocal } from "../drift/local-reader.js";
import { ExitCode, usageError } from "../errors.js";
import { gitIn } from "../git/git.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { httpFromEnv } from "../gitlab/http.js";
import { originWhenNeeded } from "../gitlab/origin.js";
import { createRestClient } from "../gitlab/rest.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { promote, type PromotionReport } from "./promote.js";
import type { PromoteOptions } from "./cli.js";

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
  // Opening the merge request needs GitLab; gates that need it are unknown without a token.
  const needGitLab = useApi || !options.dryRun || hasToken;
  const origin = needGitLab ? await originWhenNeeded(config, env, options.repo) : undefined;
  const http = needGitLab
    ? httpFromEnv(
        env,
        {
          scope: options.dryRun ? "read_api" : "api",
          allowJobToken: Boolean(options.dryRun),
          origin,
        },
        { ...ctx.http },
      )
    : undefined;
  const project = http ? requireProject(config, env, "promote", origin) : undefined;
  const pair = { from: from.name, to: to.name, fromBranch: from.branch, toBranch: to.branch };
  const read = () =>
    useApi && http && project
      ? readPairApi(http, project, pair)
      : readPairLocal(gitIn(options.repo, env), pair);
  const report = await promote(
    config,
    { from, to },
    {
      read,
      ...(http && project ? { gitlab: { rest: createRestClient(http), project } } : {}),
    },
    { dryRun: Boolean(options.dryRun), now: ctx.now() },
  );
  io.stdout(options.json ? json(report) : format(report, Boolean(options.dryRun)));
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
  if (r.merge_request)
    lines.push(
      `merge request !${r.merge_request.iid} ${r.merge_request.action}: ${r.merge_request.web_url}`,
    );
  else if (r.allowed && r.pending.length === 0) lines.push("nothing to promote");
  else if (r.allowed && dryRun) lines.push("run again without --dry-run to open the merge request");
  return `${lines.join("\n")}\n`;
}
