/**
 * Untrusted text (job names, log lines, commit subjects, branch names) placed in a GitLab note,
 * issue or merge request description. GitLab runs quick actions from lines that start with `/`
 * outside code blocks (its extractor knows only backtick fences) and notifies `@mentions` outside
 * code, so such text always goes into code: one line of inline code, or a backtick fence it cannot
 * close.
 */

/** One line of inline code, whatever backticks or line breaks the text holds. */
export function inlineCode(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${fence}${pad}${line || " "}${pad}${fence}`;
}

/** A fenced code block; runs of three or more backticks inside are broken so none ends it. */
export function codeBlock(text: string): string {
  const body = text.replace(/`{3,}/g, (run) => run.split("").join(" "));
  return ["```text", body.replace(/\n+$/, ""), "```"].join("\n");
}
