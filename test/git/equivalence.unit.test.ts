import { describe, expect, it } from "vitest";
import { matchCommits, pickedFromTrailers, type CommitInfo } from "../../src/git/equivalence.js";

let next = 0;
/** A commit with a unique SHA; same author, date and subject as another only when asked. */
function commit(fields: Partial<CommitInfo> & { subject: string }): CommitInfo {
  next += 1;
  return {
    sha: fields.sha ?? next.toString(16).padStart(40, "a"),
    author: "Dev One",
    email: "dev@example.com",
    date: `2026-10-01T10:00:${String(next % 60).padStart(2, "0")}+00:00`,
    pickedFrom: [],
    ...fields,
  };
}

describe("pickedFromTrailers", () => {
  it("reads every cherry-pick trailer, full or abbreviated", () => {
    const message = [
      "Fix the checkout",
      "",
      "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
      "(cherry picked from commit abcdef1)",
    ].join("\n");
    expect(pickedFromTrailers(message)).toEqual([
      "0123456789abcdef0123456789abcdef01234567",
      "abcdef1",
    ]);
  });

  it("ignores a trailer-like line with something that is not a SHA", () => {
    expect(pickedFromTrailers("(cherry picked from commit HEAD~1)")).toEqual([]);
  });
});

describe("matchCommits", () => {
  it("calls a commit with the same patch-id on both sides applied, by patch-id", () => {
    const up = commit({ subject: "Add search", patchId: "p1" });
    const down = commit({ subject: "Add search (picked)", patchId: "p1" });
    const result = matchCommits([up], [down]);
    expect(result.applied).toEqual([{ sha: up.sha, to_sha: down.sha, evidence: "patch-id" }]);
    expect(result.pending).toEqual([]);
    expect(result.missingUpstream).toEqual([]);
  });

  it("follows a trailer when a conflict changed the patch, where git cherry would not", () => {
    const up = commit({ subject: "Add search", patchId: "p1" });
    const down = commit({ subject: "Add search", patchId: "p2", pickedFrom: [up.sha.slice(0, 9)] });
    const result = matchCommits([up], [down]);
    expect(result.applied).toEqual([{ sha: up.sha, to_sha: down.sha, evidence: "trailer" }]);
    expect(result.missingUpstream).toEqual([]);
  });

  it("accounts for a hotfix brought back up, whose upstream trailer names the downstream commit", () => {
    const hotfix = commit({ subject: "Hotfix", patchId: "h1" });
    const back = commit({ subject: "Hotfix", patchId: "h2", pickedFrom: [hotfix.sha] });
    const result = matchCommits([back], [hotfix]);
    expect(result.applied).toEqual([{ sha: back.sha, to_sha: hotfix.sha, evidence: "trailer" }]);
    expect(result.missingUpstream).toEqual([]);
  });

  it("matches by author, date and subject when patch and trailer are both gone", () => {
    const up = commit({ subject: "Tune cache", patchId: "p1" });
    const down = { ...up, sha: "f".repeat(40), patchId: "p9" };
    const result = matchCommits([up], [down]);
    expect(result.applied).toEqual([{ sha: up.sha, to_sha: down.sha, evidence: "fingerprint" }]);
  });

  it("never uses a fingerprint two commits on one side share", () => {
    const a = commit({ subject: "Bump version", patchId: "p1" });
    const twin = { ...a, sha: "e".repeat(40), patchId: "p2" };
    const down = { ...a, sha: "d".repeat(40), patchId: "p3" };
    const result = matchCommits([a, twin], [down]);
    expect(result.applied).toEqual([]);
    expect(result.pending.map((c) => c.sha)).toEqual([twin.sha, a.sha]);
    expect(result.missingUpstream.map((c) => c.sha)).toEqual([down.sha]);
  });

  it("lists pending and missing-upstream commits oldest first", () => {
    const newer = commit({ subject: "Second", patchId: "u2" });
    const older = commit({ subject: "First", patchId: "u1" });
    const hotfix = commit({ subject: "Hotfix", patchId: "d1" });
    // git lists newest first.
    const result = matchCommits([newer, older], [hotfix]);
    expect(result.pending.map((c) => c.subject)).toEqual(["First", "Second"]);
    expect(result.missingUpstream.map((c) => c.subject)).toEqual(["Hotfix"]);
  });

  it("leaves an empty commit (no patch-id) pending rather than matching it to another", () => {
    const up = commit({ subject: "Empty marker" });
    const down = commit({ subject: "Other empty" });
    const result = matchCommits([up], [down]);
    expect(result.applied).toEqual([]);
    expect(result.pending).toHaveLength(1);
    expect(result.missingUpstream).toHaveLength(1);
  });
});
