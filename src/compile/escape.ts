/**
 * Escaping for the one context user text ends up in: a line inside an XML-tagged section of a
 * GitLab prompt template, which GitLab renders with Jinja. So `<` `>` `&` become entities (no value
 * can open or close a section) and Jinja delimiters are broken apart (no value can become a
 * placeholder or a statement). Line breaks fold to spaces so one value stays one list item.
 */
export function promptText(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "")
      .replace(/\s+/g, " ")
      .trim()
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/\{(?=[{%#])/g, "{ ")
      .replace(/([}%#])(?=\})/g, "$1 ")
  );
}

export function promptList(values: readonly string[], empty = "none"): string {
  return values.length === 0 ? empty : values.map(promptText).join(", ");
}
