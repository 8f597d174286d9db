import { describe, expect, it } from "vitest";
import { table } from "../../src/output/table.js";

describe("table", () => {
  it("aligns each column to its widest cell, two spaces apart", () => {
    const text = table(
      ["PAIR", "PENDING", "STATUS"],
      [
        ["dev → staging", "3", "ok"],
        ["staging → production", "12", "drift"],
      ],
    );
    expect(text).toBe(
      "PAIR                  PENDING  STATUS\n" +
        "dev → staging         3        ok\n" +
        "staging → production  12       drift\n",
    );
  });

  it("leaves the last column unpadded and no trailing spaces on short rows", () => {
    const text = table(
      ["A", "B"],
      [
        ["x", ""],
        ["longer", "y"],
      ],
    );
    expect(text).toBe("A       B\nx\nlonger  y\n");
  });

  it("prints the header alone when there are no rows", () => {
    expect(table(["NAME", "BRANCH"], [])).toBe("NAME  BRANCH\n");
  });
});
