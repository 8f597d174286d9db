/**
 * The generated parts of docs/commands.md: each command's options, rendered from the commands'
 * declarations, and the error codes, from their table. A test holds the document equal to them,
 * and `npm run docs:update` writes them.
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { ERROR_CODES } from "../error-codes.js";

/** The parts, by the name their markers carry. */
export type GeneratedPart = "options" | "error codes";

const start = (part: GeneratedPart) => `<!-- generated: ${part} (npm run docs:update) -->`;
const end = (part: GeneratedPart) => `<!-- end of generated ${part} -->`;

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
  return [start("options"), "", ...sections.flatMap((s) => [s, ""]), end("options")].join("\n");
}

export function renderErrorCodes(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, facts]) => `| \`${code}\` | ${facts.exit} | ${cell(facts.doc)} |`,
  );
  return [
    start("error codes"),
    "",
    "| code | exit | when |",
    "| --- | --- | --- |",
    ...rows,
    "",
    end("error codes"),
  ].join("\n");
}

/** A generated part of a document, markers included, or undefined where they are missing. */
export function generatedPart(document: string, part: GeneratedPart): string | undefined {
  const from = document.indexOf(start(part));
  const to = document.indexOf(end(part));
  if (from < 0 || to < from) return undefined;
  return document.slice(from, to + end(part).length);
}
