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
