/**
 * The dashboard issue's description, from a drift report: a table per environment pair, pending
 * promotions, hotfixes missing upstream and unexpected drift. A hidden state line (a hash of what
 * matters, not of the timestamp) lets the next run tell whether anything changed.
 */
import { createHash } from "node:crypto";
import type { PairDrift } from "../drift/pair.js";
import { inlineCode } from "../gitlab/markdown.js";

export interface DashboardState {
  hash: string;
  pairs: {
    pair: string;
    pending: number;
    missing_upstream: number;
    drifted_files: number;
    missing_shas: string[];
  }[];
}

const STATE = /<!-- envsync:dashboard (\{.*\}) -->/;
/** Text for a table cell or list item: one line, no pipe, at most 120 characters. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").slice(0, 120);

export function dashboardState(pairs: readonly PairDrift[]): DashboardState {
  const summary = pairs.map((p) => ({
    pair: `${p.from}>${p.to}`,
    pending: p.counts.pending,
    missing_upstream: p.counts.missing_upstream,
    drifted_files: p.counts.drifted_files,
    missing_shas: p.missing_upstream.map((c) => c.sha),
  }));
  const detail = pairs.map((p) => [
    p.pending.map((c) => c.sha),
    p.files.unexpected.filter((f) => !f.pending).map((f) => f.path),
  ]);
  return {
    hash: createHash("sha256")
      .update(JSON.stringify([summary, detail]))
      .digest("hex")
      .slice(0, 16),
    pairs: summary,
  };
}

export function previousState(description: string): DashboardState | undefined {
  const match = STATE.exec(description);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as DashboardState;
  } catch {
    return undefined;
  }
}

/** The title and "updated by" lines both dashboards (one project, a fleet) open with. */
export function dashboardHeader(meta: { title: string; at: Date; pipelineUrl?: string }): string[] {
  const stamp = meta.at.toISOString().replace("T", " ").slice(0, 16);
  const pipeline = meta.pipelineUrl ? ` ([pipeline](${meta.pipelineUrl}))` : "";
  return [
    `## ${meta.title}`,
    "",
    `_Updated ${stamp} UTC by the scheduled EnvSync drift check${pipeline}. ` +
      "This description is replaced on every run._",
    "",
  ];
}

export function renderDashboard(
  pairs: readonly PairDrift[],
  meta: { title: string; at: Date; pipelineUrl?: string },
): string {
  const state = dashboardState(pairs);
  const lines = [
    ...dashboardHeader(meta),
    "| environments | pending promotion | applied picks | hotfixes missing upstream | unexplained drift | expected differences |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...pairs.map(
      (p) =>
        `| ${[
          `${p.from} → ${p.to}`,
          p.counts.pending,
          p.counts.applied,
          strong(p.counts.missing_upstream),
          strong(p.counts.drifted_files),
          p.counts.expected_files,
        ].join(" | ")} |`,
    ),
  ];
  const commit = (c: { sha: string; subject: string; author: string; date: string }) =>
    `- \`${c.sha.slice(0, 10)}\` ${inlineCode(cell(c.subject))} (${inlineCode(cell(c.author))}, ${c.date.slice(0, 10)})`;
  const list = (title: string, items: string[], max = 20) => {
    if (items.length === 0) return;
    lines.push("", `**${title}** (${items.length})`, "", ...items.slice(0, max));
    if (items.length > max)
      lines.push(`- … and ${items.length - max} more (see the job's envsync-drift.json)`);
  };
  for (const p of pairs) {
    lines.push(
      "",
      `### ${p.from} → ${p.to} (${inlineCode(cell(p.from_branch))} → ${inlineCode(cell(p.to_branch))})`,
    );
    if (p.counts.pending + p.counts.missing_upstream + p.counts.unexpected_files === 0)
      lines.push("", "In step: nothing pending, no hotfix missing upstream, no unexplained drift.");
    list("Hotfixes missing upstream", p.missing_upstream.map(commit));
    list(
      "Unexplained drift (files no pending promotion explains)",
      p.files.unexpected
        .filter((f) => !f.pending)
        .map((f) => `- ${f.status} ${inlineCode(cell(f.path))}`),
    );
    list("Pending promotion", p.pending.map(commit));
  }
  lines.push("", `<!-- envsync:dashboard ${JSON.stringify(state)} -->`);
  return lines.join("\n");
}

/** The short note posted when the state changed: what moved, per pair. */
export function changeNote(
  before: DashboardState | undefined,
  after: DashboardState,
): string | undefined {
  if (before?.hash === after.hash) return undefined;
  const lines = ["**EnvSync drift check**: something changed since the last run."];
  for (const now of after.pairs) {
    const was = before?.pairs.find((p) => p.pair === now.pair);
    const delta = (key: "pending" | "missing_upstream" | "drifted_files", label: string) =>
      was && was[key] !== now[key]
        ? `${label} ${was[key]} → ${now[key]}`
        : !was && now[key]
          ? `${label} ${now[key]}`
          : "";
    const parts = [
      delta("pending", "pending"),
      delta("missing_upstream", "missing upstream"),
      delta("drifted_files", "unexplained drift"),
    ].filter(Boolean);
    const fresh = now.missing_shas.filter((s) => !was?.missing_shas.includes(s));
    if (fresh.length > 0)
      parts.push(
        `new hotfix${fresh.length === 1 ? "" : "es"} missing upstream: ${fresh.map((s) => `\`${s.slice(0, 10)}\``).join(", ")}`,
      );
    if (parts.length > 0) lines.push(`- ${now.pair.replace(">", " → ")}: ${parts.join("; ")}`);
  }
  return lines.join("\n");
}

/** A count that needs attention, in bold when it is not zero. */
function strong(count: number): string {
  return count ? `**${count}**` : "0";
}
