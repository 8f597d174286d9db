import type { DriftReport, FleetProjectDrift } from "./drift.js";
import { needsAttention } from "./pair.js";
import { protectionDiffers, type DriftProtection } from "./protection.js";

export function formatReport(report: DriftReport): string {
  const lines: string[] = [];
  for (const pair of report.pairs) {
    const c = pair.counts;
    const attention = needsAttention(pair) ? "  ← needs attention" : "";
    lines.push(`${pair.from} → ${pair.to}  (${pair.from_branch} → ${pair.to_branch})${attention}`);
    lines.push(
      `  ${[
        `pending ${c.pending}`,
        `applied ${c.applied}`,
        `missing upstream ${c.missing_upstream}`,
        ...(c.environment_local > 0 ? [`environment-local ${c.environment_local}`] : []),
        `unexpected files ${c.unexpected_files} (${c.drifted_files} not explained by pending commits)`,
        `expected ${c.expected_files}`,
      ].join(" · ")}`,
    );
    const section = (title: string, items: string[], max = 15) => {
      if (items.length === 0) return;
      lines.push(`  ${title}:`);
      for (const item of items.slice(0, max)) lines.push(`    ${item}`);
      if (items.length > max) lines.push(`    … and ${items.length - max} more (--json lists all)`);
    };
    const commit = (x: { sha: string; subject: string; author: string; date: string }) =>
      `${x.sha.slice(0, 10)}  ${x.subject}  (${x.author}, ${x.date.slice(0, 10)})`;
    section("missing upstream (hotfixes never brought back)", pair.missing_upstream.map(commit));
    // With nothing expected to differ, a branch's own settings look like hotfixes: say where the
    // fix is, once, where the user sees them.
    if (c.missing_upstream > 0 && c.expected_files === 0 && c.environment_local === 0)
      lines.push(
        "  (a commit that only changes files meant to differ per branch is not a hotfix:" +
          " list those files under drift.expected in envsync.yaml)",
      );
    section(
      "unexpected files",
      pair.files.unexpected.map(
        (f) =>
          `${f.status}  ${f.old_path ? `${f.old_path} → ` : ""}${f.path}${f.pending ? "  (pending promotion)" : ""}`,
      ),
    );
    section("pending promotion", pair.pending.map(commit));
    section(
      "environment-local (only expected differences; not promoted)",
      [
        ...pair.environment_local.upstream.map((x) => `${commit(x)}  on ${pair.from_branch}`),
        ...pair.environment_local.downstream.map((x) => `${commit(x)}  on ${pair.to_branch}`),
      ],
      8,
    );
    section(
      "expected differences",
      pair.files.expected.map((f) => `${f.path}  (${f.reason})`),
      8,
    );
    lines.push("");
  }
  if (report.protection) lines.push(...formatProtection(report.protection), "");
  return `${lines.join("\n")}`;
}

/** Per environment, each rule that differs and its fields (`from → to`), then what is only reported. */
function formatProtection(protection: DriftProtection): string[] {
  const head = "protection in GitLab against envsync.yaml";
  if ("unread" in protection) return [`${head}: not read: ${protection.unread}`];
  const lines = [`${head}${protectionDiffers(protection) ? "  ← needs attention" : ": in line"}`];
  for (const difference of protection.differences) {
    const missing = difference.action === "create" ? " (missing in GitLab)" : "";
    lines.push(`  ${difference.environment}: ${difference.target}${missing}`);
    const width = Math.max(...difference.fields.map((f) => f.field.length));
    for (const f of difference.fields)
      lines.push(`    ${f.field.padEnd(width)}  ${f.from === "-" ? "(none)" : f.from} → ${f.to}`);
  }
  if (protection.findings.length > 0) {
    lines.push("  reported, not changed by EnvSync:");
    for (const f of protection.findings) lines.push(`    ! ${f.environment}: ${f.message}`);
  }
  if (!protection.in_line)
    lines.push("  `envsync protect --dry-run` shows the plan; `envsync protect` applies it");
  return lines;
}

export function formatFleet(projects: FleetProjectDrift[]): string {
  return projects
    .map(
      (p) =>
        `== ${p.project}\n` +
        (p.error
          ? `  failed: ${p.error}\n\n`
          : formatReport({ mode: "api", pairs: p.pairs ?? [] })),
    )
    .join("");
}
