import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { addIncludes } from "../../src/ci/setup.js";

const includes = [
  { component: "gitlab.example.com/envsync/envsync/pipeline-doctor@1.0.0" },
  {
    component: "gitlab.example.com/envsync/envsync/drift-check@1.0.0",
    inputs: { config: "envsync.yaml" },
  },
];

describe("addIncludes", () => {
  it("creates the file's include list when there is no file", () => {
    const { text, added } = addIncludes(undefined, includes);
    expect(added).toEqual(includes.map((i) => i.component));
    expect(parse(text)).toEqual({ include: includes });
  });

  it("puts include first and keeps the user's jobs and comments", () => {
    const before = "# our pipeline\ntest:\n  script: npm test # fast\n";
    const { text } = addIncludes(before, includes);
    expect(text.indexOf("include:")).toBeLessThan(text.indexOf("test:"));
    expect(text).toContain("# our pipeline");
    expect(text).toContain("script: npm test # fast");
  });

  it("keeps the comment the file starts with at the top, right above the first key or not", () => {
    for (const top of ["# our pipeline\n", "# our pipeline\n# second line\n\n"]) {
      const before = `${top}stages: [test]\ntest:\n  script: [make]\n`;
      const { text } = addIncludes(before, includes);
      expect(text.startsWith(`${top}include:\n`)).toBe(true);
      expect(text).toContain("\nstages: [test]\ntest:\n  script: [make]\n");
    }
  });

  it("keeps CRLF line ends, and returns an unchanged file byte for byte", () => {
    const before = "# our pipeline\r\nstages: [test]\r\n\r\ntest:\r\n  script: [make]\r\n";
    const { text } = addIncludes(before, includes);
    expect(text.startsWith("# our pipeline\r\ninclude:\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    expect(text).toContain("\r\nstages: [test]\r\n\r\ntest:\r\n  script: [make]\r\n");
    expect(addIncludes(text, includes)).toEqual({ text, added: [] });
  });

  it("turns a single include into a list and appends to it", () => {
    const { text, added } = addIncludes("include: ci/base.yml\n", includes);
    expect(added).toHaveLength(2);
    expect(parse(text).include).toEqual(["ci/base.yml", ...includes]);
  });

  it("adds nothing and returns the text unchanged when both components are there, any version", () => {
    const before = [
      "include:",
      "  - component: gitlab.example.com/envsync/envsync/pipeline-doctor@0.9.0",
      "  - component: gitlab.example.com/envsync/envsync/drift-check@main",
      "",
    ].join("\n");
    expect(addIncludes(before, includes)).toEqual({ text: before, added: [] });
  });

  it("adds only the missing one", () => {
    const before =
      "include:\n  - component: gitlab.example.com/envsync/envsync/drift-check@1.0.0\n";
    expect(addIncludes(before, includes).added).toEqual([includes[0]!.component]);
  });

  it("refuses a file that does not parse, with the position", () => {
    expect(() => addIncludes("test:\n  script: [npm test\n", includes)).toThrow(
      /does not parse at line \d+, column \d+/,
    );
  });

  it("refuses a file whose top level is not a mapping", () => {
    expect(() => addIncludes("- a\n- b\n", includes)).toThrow(/must be a mapping/);
  });
});
