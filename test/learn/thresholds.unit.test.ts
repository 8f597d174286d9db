import { describe, expect, it } from "vitest";
import { writeThresholds } from "../../src/learn/thresholds.js";

const FILE = `version: 1 # the format
environments:
  dev: { branch: develop }
conflicts:
  # the default for files in no category
  ai_confidence_threshold: 0.8
  categories:
    - name: config # settings
      paths: ["config/**"]
    - { name: code, paths: ['src/**'], threshold: 0.75 }
    - {name: docs, paths: [docs/**]}
`;

describe("writeThresholds", () => {
  it("replaces a threshold where it stands and adds a missing one, leaving the rest byte for byte", () => {
    const edit = writeThresholds(
      FILE,
      new Map([
        ["code", 0.9],
        ["config", 0.85],
        ["other", 0.7],
        ["docs", 1],
      ]),
    );
    expect(edit.text).toBe(`version: 1 # the format
environments:
  dev: { branch: develop }
conflicts:
  # the default for files in no category
  ai_confidence_threshold: 0.7
  categories:
    - name: config # settings
      paths: ["config/**"]
      threshold: 0.85
    - { name: code, paths: ['src/**'], threshold: 0.9 }
    - {name: docs, paths: [docs/**], threshold: 1}
`);
    expect(edit.changed).toEqual([
      "conflicts.categories[1].threshold: 0.75 → 0.9",
      "conflicts.categories[0].threshold: (default) → 0.85",
      "conflicts.ai_confidence_threshold: 0.8 → 0.7",
      "conflicts.categories[2].threshold: (default) → 1",
    ]);
  });

  it("keeps CRLF line ends", () => {
    const crlf = FILE.replace(/\n/g, "\r\n");
    const edit = writeThresholds(crlf, new Map([["config", 0.85]]));
    expect(edit.text).toBe(
      crlf.replace('paths: ["config/**"]\r\n', 'paths: ["config/**"]\r\n      threshold: 0.85\r\n'),
    );
  });

  it("adds conflicts when the file has none, and skips a category it does not list", () => {
    const edit = writeThresholds(
      "version: 1\n",
      new Map([
        ["other", 0.9],
        ["gone", 0.5],
      ]),
    );
    expect(edit.text).toBe("version: 1\nconflicts:\n  ai_confidence_threshold: 0.9\n");
    expect(edit.missing).toEqual(["gone"]);
  });

  it("changes nothing when the thresholds are already so", () => {
    const edit = writeThresholds(FILE, new Map([["code", 0.75]]));
    expect(edit).toEqual({ text: FILE, changed: [], missing: [] });
  });
});
