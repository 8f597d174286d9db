/** The plan as people read it: per environment, each rule to create (+) or change (~), field by field. */
import type { Change, ProtectionPlan } from "../core/protection.js";

export function formatPlan(
  project: string,
  plan: ProtectionPlan,
  outcome: { dryRun: boolean; applied?: number; notTaken?: readonly Change[] },
): string {
  const lines = [
    `protect ${project} (GitLab Premium's protection: ${plan.premium ? "available" : "not available"})`,
  ];
  for (const env of plan.environments) {
    const head = `${env.environment} (branch ${env.branch}, risk ${env.risk})`;
    const changes = plan.changes.filter((c) => c.environment === env.environment);
    if (changes.length === 0) {
      lines.push(`${head}: in line`);
      continue;
    }
    lines.push(head);
    for (const change of changes) {
      lines.push(`  ${change.action === "create" ? "+" : "~"} ${change.target}`);
      const width = Math.max(...change.fields.map((f) => f.field.length));
      for (const f of change.fields)
        lines.push(
          change.action === "create"
            ? `      ${f.field.padEnd(width)}  ${f.to}`
            : `      ${f.field.padEnd(width)}  ${f.from} → ${f.to}`,
        );
    }
  }
  if (plan.findings.length > 0) {
    lines.push("notes (EnvSync does not change these):");
    for (const f of plan.findings) lines.push(`  ! ${f.environment}: ${f.message}`);
  }
  const n = plan.changes.length;
  const count = `${n} change${n === 1 ? "" : "s"}`;
  if (n === 0) lines.push("GitLab's protection is in line with envsync.yaml");
  else if (outcome.dryRun) lines.push(`${count} to make; run without --dry-run to apply`);
  else lines.push(`applied ${outcome.applied ?? 0} of ${count}`);
  for (const change of outcome.notTaken ?? [])
    lines.push(`  GitLab did not take: ${change.environment}: ${change.target}`);
  return `${lines.join("\n")}\n`;
}
