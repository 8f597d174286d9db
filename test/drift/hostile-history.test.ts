// Commit messages are written by whoever can push: they must not forge drift entries, crash the
// text report, or reach a terminal as escape sequences. A shallow clone must not pass for history.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DriftReport } from "../../src/drift/drift.js";
import { envsync, tempDir } from "../helpers/cli.js";
import { CONFIG_3ENV, TestRepo } from "../helpers/repo.js";

function setup(): { repo: TestRepo; config: string } {
  const repo = new TestRepo();
  repo.commit("base", { "a.txt": "a\n" });
  repo.git("branch", "staging");
  repo.git("branch", "main");
  const config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, CONFIG_3ENV);
  return { repo, config };
}

describe("hostile commit messages", () => {
  it("cannot add a made-up commit with record or unit separators", async () => {
    const { repo, config } = setup();
    const forged = `${"f".repeat(40)}\u001fMallory\u001fm@x\u001f2026-01-01T00:00:00+00:00\u001fForged hotfix\u001f\u001e`;
    repo.commit(`Real change\u001e${forged}\u001f`, { "b.txt": "b\n" });
    const json = await envsync("drift", "-c", config, "-C", repo.dir, "--json");
    const report = JSON.parse(json.out) as DriftReport;
    const pending = report.pairs[0]!.pending;
    expect(pending).toHaveLength(1);
    expect(pending[0]!.subject).toContain("Real change");
    const listed = report.pairs.flatMap((p) => [...p.pending, ...p.missing_upstream]);
    expect(listed.map((c) => c.sha)).not.toContain("f".repeat(40));
    expect(listed.map((c) => c.author)).not.toContain("Mallory");
    const text = await envsync("drift", "-c", config, "-C", repo.dir);
    expect(text.err).not.toContain("unexpected failure");
    expect(text.out).toContain("Real change");
  });

  it("shows ANSI and OSC escapes in subjects as text, never as control sequences", async () => {
    const { repo, config } = setup();
    repo.commit("Fix \u001b[31mred\u001b[0m and \u001b]8;;https://evil\u0007link\u001b]8;;\u0007", {
      "c.txt": "c\n",
    });
    const text = await envsync("drift", "-c", config, "-C", repo.dir);
    expect(text.out).toContain("Fix \\u001b[31mred");
    for (const control of ["\u001b", "\u0007", "\u009b"])
      expect(text.out + text.err).not.toContain(control);
    const json = await envsync("drift", "-c", config, "-C", repo.dir, "--json");
    const report = JSON.parse(json.out) as DriftReport;
    expect(report.pairs[0]!.pending[0]!.subject).toContain("\u001b[31mred");
  });
});

describe("a shallow clone", () => {
  it("is refused with what to run, instead of reporting hotfixes that are only missing history", async () => {
    const { repo, config } = setup();
    repo.commit("Dev work", { "d.txt": "d\n" });
    repo.checkout("main");
    repo.commit("Hotfix", { "h.txt": "h\n" });
    repo.checkout("staging");
    repo.commit("Staging work", { "s.txt": "s\n" });
    const shallow = join(tempDir(), "clone");
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      "--no-single-branch",
      `file://${repo.dir}`,
      shallow,
    ]);
    const result = await envsync("drift", "-c", config, "-C", shallow, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "shallow-history" } });
    expect(result.err).toContain("git fetch --unshallow");
  });
});
