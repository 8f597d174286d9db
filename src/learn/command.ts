import { isAbsolute, relative, sep } from "node:path";
import { loadConfig } from "../config/load.js";
import type { CommandContext } from "../context.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import { openGitLab } from "../gitlab/access.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import { authorOrigin, learnAuthor, RESOLVER_FLOW } from "./author.js";
import type { LearnOptions } from "./cli.js";
import { readProposals, summarize, type CategoryRecord, type LearnReport } from "./learn.js";
import { planThresholds, proposeThresholds, thresholdChanges } from "./propose.js";

export async function learnCommand(
  options: LearnOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const learning = config.conflicts.learning;
  // --dry-run plans what --write would change and writes nothing, with or without --write.
  const planning = Boolean(options.write || options.dryRun);
  const writing = planning && !options.dryRun;
  const gitlab = await openGitLab(
    ctx,
    { scope: writing ? "api" : "read_api", jobToken: false, project: "envsync learn" },
    { repo: options.repo, config },
  );
  const author = await learnAuthor(gitlab, config, options.author);
  const record = await readProposals(gitlab, {
    author: author.username,
    label: learning.label,
    io,
    ...(options.since ? { since: options.since } : {}),
  });
  const categories = summarize(record.proposals, config.conflicts, learning.target);
  const report: LearnReport = {
    project: gitlab.project,
    author: author.username,
    author_source: author.source,
    label: learning.label,
    target: learning.target,
    since: options.since?.toISOString() ?? null,
    merge_requests: record.mergeRequests,
    categories,
    proposals: record.proposals,
    ignored: record.ignored,
  };
  if (!planning) {
    io.stdout(options.json ? json(report) : render(report, config.catalog.name_prefix));
    return ExitCode.ok;
  }

  const changes = thresholdChanges(categories);
  const file = repositoryPath(options.repo, options.config);
  const plan = changes.size === 0 ? undefined : await planThresholds(gitlab, file, changes);
  const changed = plan !== undefined && plan.edit.changed.length > 0;
  if (!writing || !changed) {
    const diff = changed
      ? (await import("diff")).createTwoFilesPatch(
          plan.file,
          plan.file,
          plan.before,
          plan.edit.text,
          plan.target,
          plan.branch,
        )
      : "";
    if (options.json)
      io.stdout(
        json({
          ...report,
          write: {
            dry_run: Boolean(options.dryRun),
            file,
            changed: plan?.edit.changed ?? [],
            missing: plan?.edit.missing ?? [],
            diff,
          },
        }),
      );
    else
      io.stdout(
        `${render(report, config.catalog.name_prefix)}\n${changed ? diff : "envsync.yaml already has the recommended thresholds; nothing to write\n"}`,
      );
    return changed ? ExitCode.findings : ExitCode.ok;
  }
  const mr = await proposeThresholds(gitlab, plan, categories, learning.label);
  if (options.json)
    io.stdout(
      json({
        ...report,
        write: { file, changed: plan.edit.changed, missing: plan.edit.missing, ...mr },
      }),
    );
  else
    io.stdout(
      `${render(report, config.catalog.name_prefix)}\nmerge request !${mr.merge_request} ${mr.action}: ${mr.web_url}\n` +
        plan.edit.changed.map((line) => `  ${line}\n`).join(""),
    );
  return ExitCode.ok;
}

/** The config's path inside the repository, as the default branch has it. */
function repositoryPath(repo: string, config: string): string {
  const inside = relative(repo, config);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside))
    throw new EnvsyncError(
      "usage",
      `${config} is not inside the repository ${repo}; --write changes the repository's own file`,
      { hint: "run it in the repository, or point -C at it" },
    );
  return inside.split(sep).join("/");
}

function render(report: LearnReport, prefix: string): string {
  const rows = report.categories.map((c: CategoryRecord) => [
    c.configured ? c.category : `${c.category} (not in envsync.yaml)`,
    String(c.proposals),
    String(c.applied),
    String(c.edited),
    String(c.rejected),
    String(c.pending),
    c.acceptance === null ? "-" : c.acceptance.toFixed(4),
    c.lower_bound.toFixed(4),
    String(c.threshold),
    `${c.recommended.threshold} (${c.recommended.reason})`,
  ]);
  const ignored =
    report.ignored.length === 0
      ? ""
      : `\nignored ${report.ignored.length} ${report.ignored.length === 1 ? "note" : "notes"}:\n` +
        report.ignored.map((i) => `  !${i.mr} note ${i.note}: ${i.reason}\n`).join("");
  const flow = `${prefix}-${RESOLVER_FLOW}`;
  return (
    `${report.proposals.length} proposals by ${report.author} ` +
    `(${authorOrigin(report.author_source, flow)}) in ${report.merge_requests} ` +
    `merge requests labelled ${report.label} (target acceptance ${report.target})\n\n` +
    table(
      [
        "category",
        "decided",
        "applied",
        "edited",
        "rejected",
        "pending",
        "acceptance",
        "lower bound",
        "threshold",
        "recommended",
      ],
      rows,
    ) +
    ignored
  );
}
