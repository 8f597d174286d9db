/**
 * Checks on prompt text that GitLab cannot do for us: XML sections are balanced and known (so a
 * hostile value that slipped past escaping is caught at build time), and every Jinja placeholder is
 * fed by an input of the component (GitLab renders prompt templates with Jinja).
 */

export const SYSTEM_SECTIONS = [
  "environment_topology",
  "promotion_chain",
  "expected_differences",
  "conflict_rules",
  "rollback_policy",
  "projects",
  "tool_use_rules",
  "output_format",
  "untrusted_input_rules",
  "task",
  "usage",
  "envsync_dashboard",
] as const;
/** Sections every system prompt must carry. */
export const REQUIRED_SECTIONS = [
  "task",
  "tool_use_rules",
  "output_format",
  "untrusted_input_rules",
] as const;
export const USER_SECTIONS = ["untrusted_data", "repository_config", "findings"] as const;

const TAG = /<(\/?)([A-Za-z_][\w-]*)(\s[^<>]*)?>/g;

/** Problems with the XML sections of one prompt text. */
export function sectionProblems(
  text: string,
  allowed: readonly string[],
  options: { required?: readonly string[]; repeatable?: boolean } = {},
): string[] {
  const required = options.required ?? [];
  const problems: string[] = [];
  const open: string[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(TAG)) {
    const [, slash, name] = match as unknown as [string, string, string];
    if (!allowed.includes(name)) {
      problems.push(`unexpected tag <${slash}${name}> (allowed sections: ${allowed.join(", ")})`);
      continue;
    }
    if (slash) {
      if (open.pop() !== name) problems.push(`</${name}> closes a section that is not open`);
    } else {
      if (open.length > 0)
        problems.push(`<${name}> opens inside <${open[open.length - 1]}>; sections do not nest`);
      if (seen.has(name) && !options.repeatable) problems.push(`<${name}> appears twice`);
      seen.add(name);
      open.push(name);
    }
  }
  for (const name of open) problems.push(`<${name}> is never closed`);
  for (const name of required) if (!seen.has(name)) problems.push(`missing the <${name}> section`);
  return problems;
}

/** Jinja placeholders `{{ name }}` used in a prompt. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g)].map((m) => m[1]!))];
}

/** Jinja syntax left after the placeholders: a user value that was not neutralised, or a typo. */
export function strayJinja(text: string): string[] {
  const rest = text.replace(/\{\{\s*[A-Za-z_][\w]*\s*\}\}/g, "");
  const problems: string[] = [];
  for (const token of ["{{", "}}", "{%", "%}", "{#", "#}"]) {
    if (rest.includes(token))
      problems.push(`contains '${token}' outside a placeholder; GitLab would read it as Jinja`);
  }
  return problems;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
