/**
 * Text from outside EnvSync (job names, log lines, commit subjects, branch and environment names,
 * report files, CI variables, an issue's hidden state) placed in a note, issue or merge request
 * description that GitLab posts as EnvSync. GitLab runs quick actions from lines that start with
 * `/` outside code blocks (its extractor knows only backtick fences), notifies `@mentions`, loads
 * remote images and renders HTML and autolinks outside code, so every outside value goes through
 * one of these renderers: a value of a known kind is checked against its shape (a sha is hex, a
 * date ISO, a count a whole number, a status from a closed set, a URL on the instance); any other
 * text is plain only when it holds nothing Markdown acts on, otherwise one line of inline code.
 * None of them ever yields a line break, so no outside value starts a line.
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

/** Words Markdown leaves alone: letters, digits, spaces, `_`, `-`, `,`, `'`; no link, no mention. */
const PLAIN = /^[\p{L}\p{N}][\p{L}\p{N} _,'-]*$/u;
const MAX_TEXT = 120;

/**
 * Outside text for a table cell, list item or heading: as is when it is plain words (an
 * environment name, a title), otherwise one line of inline code, `|` escaped so a table keeps its
 * columns, at most 120 characters.
 */
export function text(value: string): string {
  const line = oneLine(value);
  return PLAIN.test(line) ? line : code(line);
}

/** Outside text that is always shown as code (a path, a subject, an error): as `text`, in code. */
export function code(value: string, max = MAX_TEXT): string {
  return inlineCode(oneLine(value, max).replace(/\|/g, "\\|"));
}

function oneLine(value: string, max = MAX_TEXT): string {
  return value.replace(/\s+/g, " ").trim().slice(0, max);
}

/** A count: a whole number, else `?`. */
export function count(value: unknown): string {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? String(value) : "?";
}

/** A commit sha, shortened to 10: hex, else `?`. */
export function sha(value: unknown): string {
  return typeof value === "string" && /^[0-9a-f]{7,64}$/.test(value)
    ? `\`${value.slice(0, 10)}\``
    : "`?`";
}

/** The day of an ISO 8601 date, else `?`. */
export function day(value: unknown): string {
  return typeof value === "string" && ISO_DATE.test(value) ? value.slice(0, 10) : "?";
}

/** A value from a closed set, else `?`. */
export function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === "string" && allowed.includes(value) ? value : "?";
}

/** An ISO 8601 date-time (or date) as GitLab, git and EnvSync write them. */
export const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A link to a page of the instance (`origin`, e.g. https://gitlab.example.com): the URL must parse,
 * be on that origin and hold nothing that ends a Markdown link. Anything else is dropped (the
 * label alone is returned).
 */
export function instanceLink(label: string, url: unknown, origin: string): string {
  const href = instanceUrlOf(url, origin);
  return href ? `[${label}](${href})` : label;
}

/** `url` when it is a page of the instance at `origin`, else undefined. */
export function instanceUrlOf(url: unknown, origin: string): string | undefined {
  if (typeof url !== "string") return undefined;
  let parsed: URL;
  let home: URL;
  try {
    parsed = new URL(url);
    home = new URL(origin);
  } catch {
    return undefined;
  }
  if (!["https:", "http:"].includes(parsed.protocol)) return undefined;
  if (parsed.origin !== home.origin || parsed.username || parsed.password) return undefined;
  const href = parsed.toString();
  return /^[\w.~:/?#@!$&'*+,;=%-]+$/.test(href) && !/[()]/.test(href) ? href : undefined;
}

/**
 * JSON for a hidden HTML comment or an agent's untrusted-data section: `<`, `>`, `&`, `~` and
 * backticks are written as \u escapes, so the text can end neither the comment nor a fence around
 * it, and parses back to the same value.
 */
export function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&~`\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A note an agent reads as its goal (the mention that starts a flow): the flow's prompt puts it in
 * an `<untrusted_data>` section fenced with tildes, so no text in it may open or close a tag
 * (`<` before a letter or `/` becomes `‹`) or a tilde fence (runs of `~` are spaced out). EnvSync's
 * own `<!-- … -->` markers are left as they are.
 */
export function fenceSafe(markdown: string): string {
  return markdown
    .replace(/<(?=\/?[A-Za-z])/g, "‹")
    .replace(/~{3,}/g, (run) => run.split("").join(" "));
}
