/**
 * The dashboard's protection section: where GitLab's branch and environment protection differs
 * from envsync.yaml (the plan `envsync protect` would apply), and what EnvSync reports but leaves.
 * Every value from GitLab or the file is rendered inert (markdown.ts).
 */
import type { ProtectionView } from "../core/protection-drift.js";
import { code, text } from "../gitlab/markdown.js";

/** The section's lines; `unread` says why GitLab's protection could not be read. */
export function protectionSection(view: ProtectionView): string[] {
  const lines = ["", "### Protection in GitLab"];
  if ("unread" in view) {
    lines.push("", `Not read: ${code(view.unread)}.`);
    return lines;
  }
  const { plan } = view;
  if (plan.changes.length === 0) lines.push("", "In line with envsync.yaml.");
  else {
    lines.push(
      "",
      `**Differs from envsync.yaml** (${plan.changes.length}): \`envsync protect\` applies it, ` +
        "`envsync protect --dry-run` shows the plan.",
      "",
      "| environment | rule | field | in GitLab | declared |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const change of plan.changes)
      for (const field of change.fields)
        lines.push(
          `| ${[
            text(change.environment),
            code(change.target),
            text(field.field),
            field.from === "-" ? "(none)" : code(field.from),
            code(field.to),
          ].join(" | ")} |`,
        );
  }
  if (plan.findings.length > 0)
    lines.push(
      "",
      "**Reported, not changed by EnvSync**",
      "",
      ...plan.findings.map((f) => `- ${text(f.environment)}: ${code(f.message, 400)}`),
    );
  return lines;
}
