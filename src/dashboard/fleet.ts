/**
 * One dashboard for a fleet whose drift was checked in several CI jobs (`--shard I/N`): the shard
 * reports merged, with the shards that are missing or stale said plainly, so partial health is
 * never shown as whole.
 */
import type { FleetDriftReport, FleetProjectDrift } from "../drift/drift.js";
import { code, count } from "../gitlab/markdown.js";
import {
  type DashboardMeta,
  dashboardHeader,
  hiddenState,
  pairSummary,
  stateHeader,
} from "./render.js";
import type { DashboardState } from "./state.js";

/** A shard report older than the newest by more than this is stale. */
const STALE_AFTER_MS = 24 * 3600 * 1000;

export interface FleetCoverage {
  shards: number;
  present: number[];
  missing: number[];
  stale: number[];
}

export interface FleetView {
  projects: FleetProjectDrift[];
  coverage: FleetCoverage;
  /** Project → when its shard's report was made (reports that say). */
  checkedAt: Map<string, string>;
}

export function mergeFleetReports(reports: readonly FleetDriftReport[]): FleetView {
  const count = Math.max(1, ...reports.map((r) => r.shard?.count ?? 1));
  const byShard = new Map<number, FleetDriftReport>();
  for (const report of reports) {
    const index = report.shard?.index ?? 1;
    const seen = byShard.get(index);
    // The newer report of a shard wins (a retried job); dates were checked as ISO when read.
    if (!seen || at(report) > at(seen)) byShard.set(index, report);
  }
  const newest = Math.max(0, ...reports.map(at));
  const shards = Array.from({ length: count }, (_, i) => i + 1);
  const checkedAt = new Map<string, string>();
  for (const report of byShard.values())
    if (report.generated_at)
      for (const p of report.projects) checkedAt.set(p.project, report.generated_at);
  return {
    checkedAt,
    projects: [...byShard.values()]
      .flatMap((r) => r.projects)
      .sort((a, b) => a.project.localeCompare(b.project)),
    coverage: {
      shards: count,
      present: shards.filter((i) => byShard.has(i)),
      missing: shards.filter((i) => !byShard.has(i)),
      stale: shards.filter((i) => {
        const report = byShard.get(i);
        return report?.generated_at !== undefined && newest - at(report) > STALE_AFTER_MS;
      }),
    },
  };
}

/** When a report was made, in ms; 0 when it does not say. */
function at(report: FleetDriftReport): number {
  return Date.parse(report.generated_at ?? "") || 0;
}

/**
 * The hidden state of a fleet dashboard, in the shape a single project's uses, each pair with its
 * project and the time its shard was checked.
 */
export function fleetState(
  view: FleetView,
  hash: (value: unknown) => string,
  meta: Pick<DashboardMeta, "at">,
): DashboardState {
  const summary = view.projects.flatMap((p) =>
    (p.pairs ?? []).map((pair) => pairSummary(pair, `${p.project} ${pair.from}>${pair.to}`)),
  );
  const pairs = view.projects.flatMap((p) =>
    (p.pairs ?? []).map((pair) => ({
      ...pairSummary(pair, `${p.project} ${pair.from}>${pair.to}`),
      project: p.project,
      from: pair.from,
      to: pair.to,
      checked_at: view.checkedAt.get(p.project) ?? meta.at.toISOString(),
    })),
  );
  return {
    ...stateHeader(meta),
    kind: "fleet",
    hash: hash([summary, view.coverage, view.projects.map((p) => p.error ?? "")]),
    pairs,
    // A fleet's projects each have their own chain: see their own dashboards.
    environments: [],
  };
}

export function renderFleetDashboard(
  view: FleetView,
  state: DashboardState,
  meta: DashboardMeta,
): string {
  const { coverage } = view;
  const lines = dashboardHeader(meta);
  if (coverage.missing.length > 0 || coverage.stale.length > 0) {
    const parts = [
      ...(coverage.missing.length > 0
        ? [`missing: ${coverage.missing.map(count).join(", ")}`]
        : []),
      ...(coverage.stale.length > 0
        ? [`stale (over a day older): ${coverage.stale.map(count).join(", ")}`]
        : []),
    ];
    lines.push(
      `> **Incomplete:** shards of ${count(coverage.shards)}: ${parts.join("; ")}. ` +
        "The projects of those shards are not shown as healthy; they are not shown at all.",
      "",
    );
  } else if (coverage.shards > 1) {
    lines.push(`All ${count(coverage.shards)} shards reported.`, "");
  }
  lines.push(
    "| project | pending promotion | hotfixes missing upstream | unexplained drift |",
    "| --- | --- | --- | --- |",
  );
  for (const p of view.projects) {
    if (p.error) {
      lines.push(`| ${code(p.project)} | failed: ${code(p.error.split("\n")[0]!)} | | |`);
      continue;
    }
    const sum = (key: "pending" | "missing_upstream" | "drifted_files") =>
      (p.pairs ?? []).reduce((n, pair) => n + pair.counts[key], 0);
    const strong = (n: number) => (n ? `**${count(n)}**` : "0");
    lines.push(
      `| ${code(p.project)} | ${count(sum("pending"))} | ${strong(sum("missing_upstream"))} | ${strong(sum("drifted_files"))} |`,
    );
  }
  lines.push("", hiddenState(state));
  return lines.join("\n");
}
