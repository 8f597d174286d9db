import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROPOSAL_MARKER_SHAPE, readProposalMarker } from "../../src/core/proposal-marker.js";
import { repoRoot } from "../helpers/cli.js";

const note = (...lines: string[]) =>
  ["A proposed merge", "```suggestion", "x", "```", ...lines].join("\n");

describe("readProposalMarker", () => {
  it("reads the marker on the note's last line", () => {
    expect(
      readProposalMarker(
        note("<!-- envsync:proposal id=1a2b3c4-2 category=config confidence=0.85 -->", ""),
      ),
    ).toEqual({
      kind: "marker",
      marker: { id: "1a2b3c4-2", category: "config", confidence: 0.85 },
    });
    expect(
      readProposalMarker(note("<!-- envsync:proposal id=a category=other confidence=1 -->")),
    ).toEqual({
      kind: "marker",
      marker: { id: "a", category: "other", confidence: 1 },
    });
  });

  it("finds none in a note that does not mention it", () => {
    expect(readProposalMarker("LGTM, thanks")).toEqual({ kind: "none" });
  });

  it.each([
    ["a confidence over 1", "<!-- envsync:proposal id=a category=code confidence=1.5 -->"],
    [
      "a confidence with four decimals",
      "<!-- envsync:proposal id=a category=code confidence=0.8125 -->",
    ],
    [
      "a category with markup",
      "<!-- envsync:proposal id=a category=<b>code</b> confidence=0.9 -->",
    ],
    ["an extra field", "<!-- envsync:proposal id=a category=code confidence=0.9 by=me -->"],
    ["fields out of order", "<!-- envsync:proposal category=code id=a confidence=0.9 -->"],
    [
      "text before it on its line",
      "see <!-- envsync:proposal id=a category=code confidence=0.9 -->",
    ],
    ["an unclosed comment", "<!-- envsync:proposal id=a category=code confidence=0.9"],
    ["an upper-case tag", "<!-- ENVSYNC:PROPOSAL id=a category=code confidence=0.9 -->"],
  ])("calls a marker with %s malformed", (_what, line) => {
    expect(readProposalMarker(note(line))).toMatchObject({ kind: "malformed" });
  });

  it("refuses a marker that is not the last line, and a note with two", () => {
    const marker = "<!-- envsync:proposal id=a category=code confidence=0.9 -->";
    expect(readProposalMarker(`${marker}\n${note()}`)).toEqual({
      kind: "malformed",
      reason: "the marker is not the last line",
    });
    expect(readProposalMarker(`quoted: ${marker}\n${note(marker)}`)).toEqual({
      kind: "malformed",
      reason: "more than one proposal marker",
    });
  });

  it("is the shape the conflict-resolver flow is told to write", () => {
    const flow = readFileSync(join(repoRoot, "flows", "envsync-conflict-resolver.yml"), "utf8");
    expect(flow).toContain(`\`${PROPOSAL_MARKER_SHAPE}\``);
  });
});
