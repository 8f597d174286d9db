import { describe, expect, it } from "vitest";
import { globError, matcherFor } from "../../src/config/glob.js";

describe("globError", () => {
  it.each(["src/**/*.ts", "config/*.{yml,yaml}", "[abc].txt", ".env*", "a/b"])(
    "accepts %s",
    (glob) => {
      expect(globError(glob)).toBeUndefined();
    },
  );

  it("rejects an empty glob and one rooted at '/'", () => {
    expect(globError("  ")).toBe("a glob cannot be empty");
    expect(globError("/src/**")).toMatch(/relative to the repository root/);
  });

  it("rejects unbalanced brackets, which would otherwise match literally", () => {
    for (const glob of ["config/*.{yml", "[abc.txt", "src/(a|b"])
      expect(globError(glob), glob).toEqual(expect.any(String));
  });
});

describe("globError bounds the work a glob can cause", () => {
  it.each([
    ["*a*a*a*a*a*a*b", /at most 2 '\*' \('\*a\*a\*a\*a\*a\*a\*b' has more\)/],
    ["**/a/**/b/**/c/**", /at most 2 '\*\*'/],
    [`${"a/".repeat(200)}x`, /at most 256 characters \(this one has 401\)/],
  ])("refuses %s, which backtracks through every placement of its stars", (glob, message) => {
    expect(globError(glob)).toMatch(message);
  });

  it.each(["**/db/migrate/*.rb", "*migrations*/**/*.sql", "src/**/*.{ts,js}"])(
    "accepts %s",
    (glob) => {
      expect(globError(glob)).toBeUndefined();
    },
  );
});

describe("matcherFor", () => {
  it("matches any of its globs, dotfiles included", () => {
    const matches = matcherFor(["docs/**", "*.lock"]);
    expect(["docs/a/b.md", "yarn.lock", "docs/.hidden"].map(matches)).toEqual([true, true, true]);
    expect(["src/docs.ts", "a/yarn.lock"].map(matches)).toEqual([false, false]);
  });

  it("matches nothing for an empty list", () => {
    expect(matcherFor([])("anything")).toBe(false);
  });
});
