import { describe, expect, it } from "vitest";
import type { CommitInfo } from "../../src/git/equivalence.js";
import type { RecordedRollback } from "../../src/gitlab/rollback-record.js";
import { readRecord, recordLine } from "../../src/gitlab/rollback-record.js";
import { rejectedCommits } from "../../src/promote/rejected.js";

const sha = (c: string) => c.repeat(40);
const commit = (s: string, extra: Partial<CommitInfo> = {}): CommitInfo => ({
  sha: s,
  author: "Dev",
  email: "dev@example.com",
  date: "2026-11-01T10:00:00+00:00",
  subject: `commit ${s.slice(0, 4)}`,
  pickedFrom: [],
  ...extra,
});
const record = (undone: RecordedRollback["undone"]): RecordedRollback => ({
  version: 1,
  environment: "production",
  target: sha("0"),
  deployed: sha("f"),
  undone,
  merge_request: {
    iid: 3,
    web_url: "https://gitlab.example.com/x/-/merge_requests/3",
    state: "merged",
  },
});

describe("rejectedCommits", () => {
  it("recognises the commit itself, a pick of it either way, and the same patch", () => {
    const records = [
      record([
        { sha: sha("a"), picked_from: [] },
        { sha: sha("b"), picked_from: [sha("c")] },
        { sha: sha("d"), patch_id: sha("9"), picked_from: [] },
      ]),
    ];
    const upstream = [
      commit(sha("a")),
      commit(sha("c")),
      commit(sha("e"), { pickedFrom: [sha("b").slice(0, 12)] }),
      commit(sha("1"), { patchId: sha("9") }),
      commit(sha("2")),
    ];
    expect(rejectedCommits(upstream, records).map((r) => r.sha)).toEqual([
      sha("a"),
      sha("c"),
      sha("e"),
      sha("1"),
    ]);
  });

  it("lets a commit through once a newer one reverts or fixes it, not an older one", () => {
    const records = [record([{ sha: sha("a"), picked_from: [] }])];
    const fix = commit(sha("5"), { fixes: [sha("a").slice(0, 7)] });
    expect(rejectedCommits([fix, commit(sha("a"))], records)).toEqual([]);
    expect(rejectedCommits([commit(sha("a")), fix], records)).toHaveLength(1);
  });
});

describe("the rollback record", () => {
  it("reads back what it wrote, and nothing from a record someone broke", () => {
    const written = {
      version: 1 as const,
      environment: "production",
      target: sha("0"),
      deployed: sha("f"),
      undone: [{ sha: sha("a"), picked_from: [] }],
    };
    const line = recordLine(written);
    expect(readRecord(`text\n${line}\nmore`)).toEqual(written);
    expect(readRecord(line.replace(sha("a"), "not-a-sha"))).toBeUndefined();
    expect(readRecord("<!-- envsync:rollback ".repeat(10_000))).toBeUndefined();
  });
});
