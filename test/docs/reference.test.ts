import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMANDS } from "../../src/cli.js";
import {
  generatedPart,
  renderErrorCodes,
  renderOptionsReference,
} from "../../src/command/reference.js";
import { ERROR_CODES } from "../../src/error-codes.js";
import { bufferIo } from "../../src/output/io.js";
import { envsync, repoRoot } from "../helpers/cli.js";

const reference = readFileSync(join(repoRoot, "docs/commands.md"), "utf8");
const program = () => buildProgram(bufferIo(), async () => {});

describe("docs/commands.md", () => {
  it("lists each command's options exactly as the declarations give them", () => {
    expect(generatedPart(reference, "options"), "run `npm run docs:update`").toBe(
      renderOptionsReference(program()),
    );
  });

  it("lists every error code with its exit code, as the closed set in the code has them", () => {
    expect(generatedPart(reference, "error codes"), "run `npm run docs:update`").toBe(
      renderErrorCodes(),
    );
  });

  it("names in the overview only options the command has", () => {
    const overview = reference.slice(0, reference.indexOf("## Exit codes"));
    const known = new Map(
      program().commands.flatMap((c) => [
        [c.name(), c.options.map((o) => o.long)],
        ...c.commands.map(
          (s) => [`${c.name()} ${s.name()}`, s.options.map((o) => o.long)] as const,
        ),
      ]),
    );
    const unknown: string[] = [];
    for (const [, name, synopsis] of overview.matchAll(
      /^\| `([a-z-]+(?: [a-z][a-z-]*)?) ?([^`]*)`/gm,
    )) {
      const options = known.get(name!);
      if (!options) unknown.push(`command ${name}`);
      for (const [flag] of synopsis!.matchAll(/--[a-z-]+/g))
        if (!options?.includes(flag)) unknown.push(`${name} ${flag}`);
    }
    expect(unknown).toEqual([]);
  });
});

describe("the error codes", () => {
  it("are each raised somewhere, so the documented set is the one EnvSync prints", () => {
    const sources = readdirSync(join(repoRoot, "src"), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((file) => !file.endsWith("error-codes.ts"))
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const unused = Object.keys(ERROR_CODES).filter((code) => !sources.includes(`"${code}"`));
    expect(unused).toEqual([]);
  });
});

describe("each command's --help", () => {
  it.each(COMMANDS.map((c) => c.name))("%s shows every declared option", async (name) => {
    const command = program().commands.find((c) => c.name() === name)!;
    for (const leaf of command.commands.length > 0 ? command.commands : [command]) {
      const path = leaf === command ? [name] : [name, leaf.name()];
      const help = (await envsync(...path, "--help")).out;
      for (const option of leaf.options) expect(help, path.join(" ")).toContain(option.flags);
    }
  });
});
