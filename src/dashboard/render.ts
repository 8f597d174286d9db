/**
 * The dashboard issue's description, from a drift report: a table per environment pair, pending
 * promotions, hotfixes missing upstream and unexpected drift. A hidden state line (a hash of what
 * matters, not of the timestamp) lets the next run tell whether anything changed.
 */
import { createHash } from "node:crypto";
import type { ResolvedEnvironment } from "../config/types.js";
import type { PairDrift } from "../drift/pair.js";
import { envsyncVersion } from "../version.js";
import {
  DASHBOARD_STATE_VERSION,
  parseDashboardState,
  type DashboardState,
  type EnvironmentHealth,
  type StateSummary,
} from "./state.js";
import { code, count, day, inertJson, instanceLink, sha, text } from "../gitlab/markdown.js";

export interface DashboardMeta {
  title: string;
  at: Date;
  /** CI_PIPELINE_URL: linked only when it is a page of `instance`. */
  pipelineUrl?: string;
  /** The instance's address, e.g. https://gitlab.example.com. */
  instance: string;
  /** When the drift was computed (the report's `generated_at`); else `at`. */
  checkedAt?: string;
  /** The chain's environments as envsync.yaml has them, for the state block. */
  environments?: readonly Pick<ResolvedEnvironment, "name" | "branch" | "protected">[];
  /** Environment name → its pipeline and deployment health, where GitLab was asked. */
  health?: ReadonlyMap<string, EnvironmentHealth>;
}

const STATE_OPEN = "<!-- envsync:dashboard ";
const STATE_CLOSE = " -->";

/** The hidden state line: JSON that cannot end the HTML comment it sits in. */
export function hiddenState(state: DashboardState): string {
  return `${STATE_OPEN}${inertJson(state)}${STATE_CLOSE}`;
}

/** git's name-status letters (renames and copies with their similarity). */
const FILE_STATUS = /^[ACDMRTUX]\d{0,3}$/;

/** One pair's counts, in the form the hash has always been taken of (so upgrades keep it). */
export function pairSummary(pair: PairDrift, key = `${pair.from}>${pair.to}`) {
  return {
    pair: key,
    pending: pair.counts.pending,
    missing_upstream: pair.counts.missing_upstream,
    drifted_files: pair.counts.drifted_files,
    missing_shas: pair.missing_upstream.map((c) => c.sha),
  };
}

/** The state block's header fields: the contract's version, who wrote it and when. */
export function stateHeader(meta: Pick<DashboardMeta, "at">) {
  return {
    schema_version: DASHBOARD_STATE_VERSION,
    envsync_version: envsyncVersion(),
    written_at: meta.at.toISOString(),
  } as const;
}

export function dashboardState(
  pairs: readonly PairDrift[],
  meta: Pick<DashboardMeta, "at" | "checkedAt" | "environments" | "health">,
): DashboardState {
  const summary = pairs.map((p) => pairSummary(p));
  const detail = pairs.map((p) => [
    p.pending.map((c) => c.sha),
    p.files.unexpected.filter((f) => !f.pending).map((f) => f.path),
  ]);
  const checkedAt = meta.checkedAt ?? meta.at.toISOString();
  return {
    ...stateHeader(meta),
    kind: "project",
    hash: createHash("sha256")
      .update(JSON.stringify([summary, detail]))
      .digest("hex")
      .slice(0, 16),
    pairs: pairs.map((p, i) => ({
      ...summary[i]!,
      from: p.from,
      to: p.to,
      checked_at: checkedAt,
    })),
    environments: (meta.environments ?? []).map((e) => {
      const health = meta.health?.get(e.name);
      return {
        environment: e.name,
        branch: e.branch,
        protected: e.protected,
        ...(health ? { health } : {}),
      };
    }),
  };
}

/**
 * The previous run's state, read back from the issue description by shape (see state.ts): the
 * first block that fits, since whatever edits the description could put anything there.
 */
export function previousState(description: string): StateSummary | undefined {
  for (const body of stateBodies(description)) {
    try {
      const parsed = parseDashboardState(JSON.parse(body));
      if (parsed) return parsed;
    } catch {
      // Not JSON: someone edited it; a later one may still be EnvSync's.
    }
  }
  return undefined;
}

/**
 * Each `{…}` between the state marker and the end of its comment, on one line. Read forward
 * in disjoint pieces, so many openings without an end cost one pass, not one pass each.
 */
function* stateBodies(description: string): Generator<string> {
  let from = 0;
  for (;;) {
    const close = description.indexOf(STATE_CLOSE, from);
    if (close < 0) return;
    const piece = description.slice(from, close);
    const open = piece.lastIndexOf(STATE_OPEN);
    const body = open < 0 ? "" : piece.slice(open + STATE_OPEN.length);
    if (body.startsWith("{") && body.endsWith("}") && !body.includes("\n")) yield body;
    from = close + STATE_CLOSE.length;
  }
}

/** The title and "updated by" lines both dashboards (one project, a fleet) open with. */
export function dashboardHeader(meta: DashboardMeta): string[] {
  const stamp = meta.at.toISOString().replace("T", " ").slice(0, 16);
  const link = instanceLink("pipeline", meta.pipelineUrl, meta.instance);
  const pipeline = link.startsWith("[") ? ` (${link})` : "";
  return [
    `## ${text(meta.title)}`,
    "",
    `_Updated ${stamp} UTC by the scheduled EnvSync drift check${pipeline}. ` +
      "This description is replaced on every run._",
    "",
  ];
}

export function renderDashboard(
  pairs: readonly PairDrift[],
  meta: DashboardMeta,
  /** Sections read from GitLab (protection, rollbacks), each starting with a blank line. */
  sections: readonly string[] = [],
): string {
  const state = dashboardState(pairs, meta);
  const lines = [
    ...dashboardHeader(meta),
    "| environments | pending promotion | applied picks | hotfixes missing upstream | unexplained drift | expected differences |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...pairs.map(
      (p) =>
        `| ${[
          `${text(p.from)} → ${text(p.to)}`,
          count(p.counts.pending),
          count(p.counts.applied),
          strong(p.counts.missing_upstream),
          strong(p.counts.drifted_files),
          count(p.counts.expected_files),
        ].join(" | ")} |`,
    ),
  ];
  const commit = (c: { sha: string; subject: string; author: string; date: string }) =>
    `- ${sha(c.sha)} ${code(c.subject)} (${code(c.author)}, ${day(c.date)})`;
  const list = (title: string, items: string[], max = 20) => {
    if (items.length === 0) return;
    lines.push("", `**${title}** (${items.length})`, "", ...items.slice(0, max));
    if (items.length > max)
      lines.push(`- … and ${count(items.length - max)} more (see the job's envsync-drift.json)`);
  };
  for (const p of pairs) {
    lines.push(
      "",
      `### ${text(p.from)} → ${text(p.to)} (${code(p.from_branch)} → ${code(p.to_branch)})`,
    );
    if (p.counts.pending + p.counts.missing_upstream + p.counts.unexpected_files === 0)
      lines.push("", "In step: nothing pending, no hotfix missing upstream, no unexplained drift.");
    list("Hotfixes missing upstream", p.missing_upstream.map(commit));
    list(
      "Unexplained drift (files no pending promotion explains)",
      p.files.unexpected
        .filter((f) => !f.pending)
        .map((f) => `- ${FILE_STATUS.test(f.status) ? f.status : "?"} ${code(f.path)}`),
    );
    list("Pending promotion", p.pending.map(commit));
  }
  lines.push(...sections, "", hiddenState(state));
  return lines.join("\n");
}

/** The short note posted when the state changed: what moved, per pair. */
export function changeNote(
  before: StateSummary | undefined,
  after: StateSummary,
): string | undefined {
  if (before?.hash === after.hash) return undefined;
  const lines = ["**EnvSync drift check**: something changed since the last run."];
  for (const now of after.pairs) {
    const was = before?.pairs.find((p) => p.pair === now.pair);
    const delta = (key: "pending" | "missing_upstream" | "drifted_files", label: string) =>
      was && was[key] !== now[key]
        ? `${label} ${count(was[key])} → ${count(now[key])}`
        : !was && now[key]
          ? `${label} ${count(now[key])}`
          : "";
    const parts = [
      delta("pending", "pending"),
      delta("missing_upstream", "missing upstream"),
      delta("drifted_files", "unexplained drift"),
    ].filter(Boolean);
    const fresh = now.missing_shas.filter((s) => !was?.missing_shas.includes(s));
    if (fresh.length > 0)
      parts.push(
        `new hotfix${fresh.length === 1 ? "" : "es"} missing upstream: ${fresh.map(sha).join(", ")}`,
      );
    if (parts.length > 0) lines.push(`- ${pairName(now.pair)}: ${parts.join("; ")}`);
  }
  return lines.join("\n");
}

/** A count that needs attention, in bold when it is not zero. */
function strong(n: number): string {
  return n ? `**${count(n)}**` : "0";
}

/** `staging>production` or `acme/shop staging>production` as `staging → production`. */
function pairName(pair: string): string {
  const at = pair.lastIndexOf(" ");
  const project = at < 0 ? "" : `${text(pair.slice(0, at))} `;
  const [from = "", to = ""] = pair.slice(at + 1).split(">");
  return `${project}${text(from)} → ${text(to)}`;
}
