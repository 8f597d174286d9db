/**
 * The rollback merge request's description: the risk report, the commits undone, the migrations
 * found, the reverts on the branch, and the hidden machine-readable record `promote` reads back.
 * Every outside value (subjects, paths, reasons) goes through the markdown renderers.
 */
import { code, count, inlineCode, oneOf, sha } from "../gitlab/markdown.js";
import { recordLine } from "../gitlab/rollback-record.js";
import type { RollbackAssessment } from "./assess.js";
import type { RevertOutcome, RevertPlan } from "./revert.js";

const RISKS = ["low", "medium", "high", "blocked"];
const CLASSES = ["reversible", "irreversible", "unknown"];
/** Commits listed by name in the description; GitLab caps a description at 1,000,000 chars. */
const LISTED = 200;

export function rollbackDescription(
  assessment: RollbackAssessment,
  plan: RevertPlan,
  outcome: RevertOutcome,
): string {
  const { deployed, target } = assessment;
  const lines = [
    `Opened by ${code(`envsync rollback --env ${assessment.environment}`)}.`,
    "",
    "### Risk",
    `Deployed ${sha(deployed.sha)} → target ${sha(target.sha)}: ${count(plan.undone.length)} ` +
      `commit${plan.undone.length === 1 ? "" : "s"} undone. Risk: **${oneOf(assessment.risk, RISKS)}**.`,
    ...assessment.reasons.map((r) => `- ${code(r, 400)}`),
  ];
  if (assessment.migrations.length > 0) {
    lines.push(
      "",
      "### Migrations between the target and what is deployed",
      "| file | classification | reason |",
      "| --- | --- | --- |",
      ...assessment.migrations.map(
        (m) =>
          `| ${code(`${m.path}${m.line ? `:${m.line}` : ""}`, 300)} | ` +
          `${oneOf(m.classification, CLASSES)} | ${code(m.reason, 300)} |`,
      ),
    );
  }
  lines.push("", `### Commits undone (${count(plan.undone.length)})`);
  // The record below lists every one; the list for people stops where a description grows long.
  for (const c of plan.undone.slice(0, LISTED))
    lines.push(
      `- ${sha(c.sha)} ${inlineCode(c.subject)}${c.in_merge ? ` (in merge ${sha(c.in_merge)})` : ""}`,
    );
  if (plan.undone.length > LISTED)
    lines.push(`- … and ${count(plan.undone.length - LISTED)} more (\`--json\` lists all)`);
  lines.push("", "### Reverts on this branch");
  for (const r of outcome.reverted) {
    lines.push(`- ${sha(r.new_sha)} reverts ${sha(r.sha)} ${inlineCode(r.subject)}`);
    for (const t of r.tier1)
      lines.push(`  - tier 1: ${code(t.path)} resolved by ${code(t.rule)} (${code(t.strategy)})`);
    for (const path of r.kept ?? [])
      lines.push(`  - kept ${code(path)} as the environment has it (drift.expected)`);
  }
  for (const s of outcome.skipped)
    lines.push(`- ${sha(s.sha)} ${inlineCode(s.subject)}: nothing to revert (${s.reason})`);
  lines.push(
    "",
    "### Checks",
    "- [ ] the pipeline passes",
    ...(assessment.migrations.some((m) => m.classification === "reversible")
      ? ["- [ ] the down migrations run before the deployment"]
      : []),
    "- [ ] deploy the environment once this is merged",
    "",
    "The commits undone stay out: `envsync promote` blocks promoting them again until a later " +
      "commit reverts them or names one in an `Envsync-Fixes: <sha>` trailer.",
    recordLine({
      version: 1,
      environment: assessment.environment,
      target: target.sha,
      deployed: deployed.sha,
      undone: plan.undone.map((c) => ({
        sha: c.sha,
        ...(c.patch_id ? { patch_id: c.patch_id } : {}),
        picked_from: c.picked_from,
      })),
    }),
  );
  return lines.join("\n");
}
