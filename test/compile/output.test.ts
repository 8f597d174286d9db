import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { blockLiteral } from "../../src/compile/render.js";
import { compile, MINIMAL } from "../helpers/build.js";
import { repoRoot } from "../helpers/cli.js";

describe("blockLiteral", () => {
  it.each([
    ["one line\n"],
    ["no final newline"],
    ["two\n\nparagraphs\n"],
    ["kept trailing\n\n\n"],
    ["  starts with spaces\nthen not\n"],
    ["key: value # not a comment\n- not a list\n"],
    ["tabs\tand unicode → ✓ and 'quotes' \"too\"\n"],
    ["trailing spaces   \nnext\n"],
  ])("round-trips %j", (text) => {
    const yaml = `a:\n  b: ${blockLiteral(text, 4)}\nc: 1\n`;
    expect(parse(yaml)).toEqual({ a: { b: text }, c: 1 });
  });
});

describe("compiled flow files", () => {
  it("parse back to exactly the definition that was validated", async () => {
    const configs = [
      MINIMAL,
      ...["envsync.yaml", "multi-project.yaml"].map((f) =>
        readFileSync(join(repoRoot, "examples", f), "utf8"),
      ),
    ];
    for (const yaml of configs) {
      for (const flow of await compile(yaml)) {
        expect(parse(flow.content), flow.name).toEqual(flow.definition);
        expect(flow.content).not.toMatch(/envsync-prompt-\d/);
        expect(flow.content).not.toMatch(/^\s*[^#\n]*[&*][A-Za-z_]+\s*$/m); // no YAML anchors or aliases
      }
    }
  });
});
