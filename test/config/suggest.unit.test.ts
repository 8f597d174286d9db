import { describe, expect, it } from "vitest";
import { closest } from "../../src/config/suggest.js";

describe("closest", () => {
  const names = ["dev", "staging", "production"];

  it("suggests a candidate within a few edits, ignoring case", () => {
    expect(closest("stagign", names)).toBe("staging");
    expect(closest("PRODUCTON", names)).toBe("production");
  });

  it("suggests the candidate an abbreviation of three or more letters starts", () => {
    expect(closest("prod", names)).toBe("production");
    // Two letters are too few to call an abbreviation.
    expect(closest("pr", ["production", "staging"])).toBeUndefined();
  });

  it("suggests nothing for a word far from every candidate", () => {
    expect(closest("kubernetes", names)).toBeUndefined();
    expect(closest("dev", [])).toBeUndefined();
  });
});
