import { describe, expect, it } from "vitest";
import { patchHash } from "../../src/drift/api-reader.js";
import type { ApiDiff } from "../../src/gitlab/rest-operations.js";

const entry = (path: string, diff: string, extra: Partial<ApiDiff> = {}): ApiDiff => ({
  old_path: path,
  new_path: path,
  new_file: false,
  renamed_file: false,
  deleted_file: false,
  diff,
  ...extra,
});

describe("patchHash", () => {
  it("is the same for the same change and differs for another", () => {
    const a = patchHash([entry("a.js", "@@ -1 +1 @@\n-1\n+2\n")]);
    expect(a).toBeDefined();
    expect(patchHash([entry("a.js", "@@ -5 +5 @@\n-1\n+2\n")])).toBe(a);
    expect(patchHash([entry("a.js", "@@ -1 +1 @@\n-1\n+3\n")])).not.toBe(a);
  });

  it.each([
    ["too_large", entry("big.json", "", { too_large: true })],
    ["collapsed", entry("big.json", "", { collapsed: true })],
    ["an empty diff for a change GitLab does not explain", entry("big.json", "")],
  ])("is unknown when a file's diff is withheld: %s", (_, withheld) => {
    expect(patchHash([entry("a.js", "@@ -1 +1 @@\n-1\n+2\n"), withheld])).toBeUndefined();
  });

  it("keeps a pure rename, which has no diff to show", () => {
    const rename = entry("new.js", "", { old_path: "old.js", renamed_file: true });
    expect(patchHash([rename])).toBeDefined();
  });
});
