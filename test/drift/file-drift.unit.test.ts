import { describe, expect, it } from "vitest";
import { classifyFiles } from "../../src/drift/file-drift.js";

const rules = {
  expected: [
    { paths: ["config/*.yml"], between: ["staging", "production"], reason: "per environment" },
    { paths: ["feature-flags.json"], between: ["dev", "staging"], reason: "flags differ" },
  ],
  ignore: ["docs/**"],
};

describe("classifyFiles", () => {
  it("splits changes into expected (with rule and reason), unexpected and ignored", () => {
    const result = classifyFiles(
      [
        { status: "M", path: "config/production.yml" },
        { status: "M", path: "src/app.ts" },
        { status: "A", path: "docs/guide.md" },
      ],
      rules,
      { from: "staging", to: "production" },
      new Set(),
    );
    expect(result.expected).toEqual([
      {
        path: "config/production.yml",
        status: "M",
        rule: "drift.expected[0]",
        reason: "per environment",
      },
    ]);
    expect(result.unexpected).toEqual([{ path: "src/app.ts", status: "M", pending: false }]);
    expect(result.ignored).toBe(1);
  });

  it("applies an expected rule only to the pair it names", () => {
    const result = classifyFiles(
      [{ status: "M", path: "feature-flags.json" }],
      rules,
      { from: "staging", to: "production" },
      new Set(),
    );
    expect(result.expected).toEqual([]);
    expect(result.unexpected).toHaveLength(1);
  });

  it("marks a difference a pending commit explains, by either side of a rename", () => {
    const result = classifyFiles(
      [
        { status: "R", path: "src/new.ts", oldPath: "src/old.ts" },
        { status: "M", path: "src/other.ts" },
      ],
      rules,
      { from: "dev", to: "staging" },
      new Set(["src/old.ts"]),
    );
    expect(result.unexpected).toEqual([
      { path: "src/new.ts", status: "R", old_path: "src/old.ts", pending: true },
      { path: "src/other.ts", status: "M", pending: false },
    ]);
  });

  it("ignores a rename only when both paths are ignored", () => {
    const result = classifyFiles(
      [{ status: "R", path: "src/guide.md", oldPath: "docs/guide.md" }],
      rules,
      { from: "dev", to: "staging" },
      new Set(),
    );
    expect(result.ignored).toBe(0);
    expect(result.unexpected).toHaveLength(1);
  });
});
