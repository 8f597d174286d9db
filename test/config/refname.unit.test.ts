import { describe, expect, it } from "vitest";
import { branchNameError } from "../../src/config/refname.js";

describe("branchNameError", () => {
  it.each(["main", "release/2026.11", "env/prod-eu", "feature/a<b>&c", "v1.2.3"])(
    "accepts %s",
    (name) => {
      expect(branchNameError(name)).toBeUndefined();
    },
  );

  it.each([
    ["", /cannot be empty/],
    ["@", /'@' is not a valid branch name/],
    ["-main", /cannot start with '-'/],
    ["/main", /cannot start or end with '\/'/],
    ["main/", /cannot start or end with '\/'/],
    ["main.", /cannot end with '\.'/],
    ["a..b", /cannot contain '\.\.'/],
    ["a//b", /cannot contain '\/\/'/],
    ["a@{1}", /cannot contain '@\{'/],
    ["has space", /cannot contain spaces/],
    ["tab\there", /control characters/],
    ["what?", /\? \*/],
    ["env/.hidden", /path component '\.hidden' cannot start with '\.'/],
    ["refs.lock", /path component 'refs\.lock' cannot end with '\.lock'/],
  ])("rejects %j", (name, problem) => {
    expect(branchNameError(name)).toMatch(problem);
  });
});
