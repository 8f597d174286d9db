import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { locate } from "../../src/config/positions.js";

// The YAML below is laid out so each position is easy to count: line numbers from 1, columns
// from 1, as an editor shows them.
const SOURCE = `version: 1
environments:
  dev: { branch: develop }
  production:
    branch: main
promotion:
  chain:
    - dev
    - production
`;
const at = (path: (string | number)[], target: "key" | "value") => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(SOURCE, { lineCounter });
  const { line, column } = locate(doc, lineCounter, path, target);
  return `${line}:${column}`;
};

describe("locate", () => {
  it("points at a key or at its value", () => {
    expect(at(["environments", "production", "branch"], "key")).toBe("5:5");
    expect(at(["environments", "production", "branch"], "value")).toBe("5:13");
  });

  it("finds values inside a flow mapping", () => {
    expect(at(["environments", "dev", "branch"], "value")).toBe("3:18");
    expect(at(["environments", "dev"], "key")).toBe("3:3");
  });

  it("follows list indexes", () => {
    expect(at(["promotion", "chain", 1], "value")).toBe("9:7");
  });

  it("stops at the deepest part of the path that exists", () => {
    // A missing key: the problem is about its parent, so point there.
    expect(at(["environments", "staging", "branch"], "value")).toBe("3:3");
    expect(at(["promotion", "chain", 5], "value")).toBe("8:5");
    expect(at(["version", "major"], "value")).toBe("1:10");
  });

  it("points at the start of the document for the empty path", () => {
    expect(at([], "value")).toBe("1:1");
  });
});
