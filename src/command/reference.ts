/**
 * The options reference in docs/commands.md, rendered from the commands' declarations: a test
 * holds the document equal to it, and `npm run docs:update` writes it.
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";

export const REFERENCE_START = "<!-- generated: options of each command (npm run docs:update) -->";
export const REFERENCE_END = "<!-- end of generated options -->";

/** Every command that runs something, with its full name (`notify pipeline-failure`). */
function leaves(
  command: CommandUnknownOpts,
  prefix: string[] = [],
): [string, CommandUnknownOpts][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length > 0 ? leaves(sub, path) : [[path.join(" "), sub] as const];
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function renderOptionsReference(program: CommandUnknownOpts): string {
  const sections = leaves(program).map(([name, command]) => {
    const rows = [
      ...command.registeredArguments.map((argument) => {
        const shown = `${argument.name()}${argument.variadic ? "..." : ""}`;
        return `| \`${cell(argument.required ? `<${shown}>` : `[${shown}]`)}\` | ${cell(argument.description)} | |`;
      }),
      ...command.options.map((option) => {
        const notes = [
          option.mandatory ? "required" : "",
          option.argChoices ? `one of ${option.argChoices.join(", ")}` : "",
        ].filter(Boolean);
        const what =
          notes.length > 0 ? `${option.description} (${notes.join("; ")})` : option.description;
        const fallback =
          option.defaultValue === undefined ? "" : `\`${String(option.defaultValue)}\``;
        return `| \`${cell(option.flags)}\` | ${cell(what)} | ${cell(fallback)} |`;
      }),
    ];
    return [
      `### \`envsync ${name}\``,
      "",
      command.description(),
      "",
      "| option | what it does | default |",
      "| --- | --- | --- |",
      ...rows,
    ].join("\n");
  });
  return [REFERENCE_START, "", ...sections.flatMap((s) => [s, ""]), REFERENCE_END].join("\n");
}

/** The generated part of a document, or undefined where its markers are missing. */
export function generatedPart(document: string): string | undefined {
  const start = document.indexOf(REFERENCE_START);
  const end = document.indexOf(REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return document.slice(start, end + REFERENCE_END.length);
}
