/**
 * What GitLab would act on in Markdown EnvSync posts, as its filters see it: quick actions (lines
 * starting with `/` outside ``` blocks, its extractor's pattern), and, outside code, `@mentions`,
 * images, HTML tags and links or autolinks. EnvSync's own hidden `<!-- envsync:… -->` lines and
 * links to `instance` are allowed.
 */
export function quickActions(markdown: string): string[] {
  const outside = markdown.replace(/^```.+?\n```$/gms, "");
  return outside.split("\n").filter((line) => /^\s{0,3}\/\w/.test(line));
}

/** The text outside code blocks and inline code, without EnvSync's own hidden lines. */
export function outsideCode(markdown: string): string {
  return markdown
    .replace(/^```.+?\n```$/gms, "")
    .replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, "")
    .replace(/^<!-- envsync:[^\n]*-->$/gm, "");
}

/** Everything GitLab would act on outside code; `allowMention` is a mention EnvSync means. */
export function activeMarkdown(
  markdown: string,
  options: { instance?: string; allowMention?: string } = {},
): string[] {
  const outside = outsideCode(markdown);
  const found = [...quickActions(markdown)];
  for (const m of outside.matchAll(/@[\w.-]+/g))
    if (m[0] !== `@${options.allowMention ?? "\0"}`) found.push(`mention ${m[0]}`);
  for (const m of outside.matchAll(/!\[/g)) found.push(`image at ${m.index}`);
  for (const m of outside.matchAll(/<\/?[a-z!][^>]*>?/gi)) found.push(`html ${m[0]}`);
  const links = outside.replace(/\]\(([^)\s]*)\)/g, (whole, url: string) =>
    options.instance && url.startsWith(`${options.instance}/`) ? "]" : `](LINK ${url})`,
  );
  for (const m of links.matchAll(/LINK \S+|\b(?:https?:\/\/|www\.)\S+/gi))
    found.push(`link ${m[0]}`);
  return found;
}
