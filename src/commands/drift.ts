import { loadConfig } from "../config/load.js";
import type { ResolvedConfig } from "../config/types.js";
import { UsageError, ExitCode } from "../errors.js";
import { readPairLocal } from "../drift/local-reader.js";
import { computePairDrift, needsAttention, type PairDrift } from "../drift/pair.js";
import { branchOf, selectPairs } from "../drift/select-pairs.js";
import { gitIn } from "../git/git.js";
import { json, type Io } from "../output/io.js";

export interface DriftOptions {
  config: string;
  from?: string;
  to?: string;
  local?: boolean;
  api?: boolean;
  allProjects?: boolean;
  json?: boolean;
  repo: string;
}

export interface DriftReport {
  mode: "local" | "api";
  project?: string;
  pairs: PairDrift[];
}

export async function driftCommand(options: DriftOptions, io: Io): Promise<number> {
  if (options.local && options.api) throw new UsageError("choose one of --local and --api");
  const { config } = await loadConfig(options.config);
  const pairs = selectPairs(config, options.from, options.to);
  const report = await driftLocal(config, options.repo, pairs);
  if (options.json) io.stdout(json(report));
  else io.stdout(formatReport(report));
  return report.pairs.some(needsAttention) ? ExitCode.findings : ExitCode.ok;
}

export async function driftLocal(config: ResolvedConfig, repo: string, pairs: { from: string; to: string }[]): Promise<DriftReport> {
  const git = gitIn(repo);
  const results: PairDrift[] = [];
  for (const pair of pairs) {
    const input = await readPairLocal(git, { ...pair, fromBranch: branchOf(config.environments, pair.from), toBranch: branchOf(config.environments, pair.to) });
    results.push(computePairDrift(input, config));
  }
  return { mode: "local", ...(config.project ? { project: config.project } : {}), pairs: results };
}

export function formatReport(report: DriftReport): string {
  const lines: string[] = [];
  for (const pair of report.pairs) {
    const c = pair.counts;
    const attention = needsAttention(pair) ? "  ← needs attention" : "";
    lines.push(`${pair.from} → ${pair.to}  (${pair.from_branch} → ${pair.to_branch})${attention}`);
    lines.push(
      `  pending ${c.pending} · applied ${c.applied} · missing upstream ${c.missing_upstream} · unexpected files ${c.unexpected_files} (${c.drifted_files} not explained by pending commits) · expected ${c.expected_files}`,
    );
    const section = (title: string, items: string[], limit = 15) => {
      if (items.length === 0) return;
      lines.push(`  ${title}:`);
      for (const item of items.slice(0, limit)) lines.push(`    ${item}`);
      if (items.length > limit) lines.push(`    … and ${items.length - limit} more (--json lists all)`);
    };
    const commit = (x: { sha: string; subject: string; author: string; date: string }) => `${x.sha.slice(0, 10)}  ${x.subject}  (${x.author}, ${x.date.slice(0, 10)})`;
    section("missing upstream (hotfixes never brought back)", pair.missing_upstream.map(commit));
    section("unexpected files", pair.files.unexpected.map((f) => `${f.status}  ${f.old_path ? `${f.old_path} → ` : ""}${f.path}${f.pending ? "  (pending promotion)" : ""}`));
    section("pending promotion", pair.pending.map(commit));
    section("expected differences", pair.files.expected.map((f) => `${f.path}  (${f.reason})`), 8);
    lines.push("");
  }
  return `${lines.join("\n")}`;
}
