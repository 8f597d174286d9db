// Special files and pipes: nothing blocks on a FIFO or /proc, and a reader closing stdout early is
// not an error.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distCli, repoRoot, spawnEnvsync, tempDir } from "../helpers/cli.js";

const EXAMPLE = join(repoRoot, "examples", "envsync.yaml");

function fifo(path: string): string {
  execFileSync("mkfifo", [path]);
  return path;
}

describe("special files", () => {
  it.each([
    [
      "a FIFO as --report",
      (d: string) => ["dashboard", "-c", EXAMPLE, "--report", fifo(join(d, "r")), "--dry-run"],
    ],
    [
      "a FIFO where a flow file is",
      (d: string) => {
        mkdirSync(join(d, "flows"));
        fifo(join(d, "flows", "envsync-core.yml"));
        return ["build", "-c", EXAMPLE, "-o", join(d, "flows")];
      },
    ],
    [
      "a FIFO as .gitlab-ci.yml",
      (d: string) => {
        fifo(join(d, ".gitlab-ci.yml"));
        return ["ci", "-c", EXAMPLE, "-C", d, "--dry-run"];
      },
    ],
    ["a FIFO as envsync.yaml", (d: string) => ["validate", "-c", fifo(join(d, "envsync.yaml"))]],
  ])("refuses %s at once, saying it is not a regular file", async (_name, args) => {
    const dir = tempDir();
    copyFileSync(EXAMPLE, join(dir, "copy.yaml"));
    const result = await spawnEnvsync(args(dir));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/not a regular file/);
  });

  it("refuses to build into /proc instead of hanging", async () => {
    const result = await spawnEnvsync(["build", "-c", EXAMPLE, "-o", "/proc/envsync-x"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("cannot write /proc/envsync-x/");
  });
});

describe("a reader that closes stdout early", () => {
  it.each(["head -1", "true"])("ends `envsync --help | %s` quietly with exit code 0", (reader) => {
    const result = spawnSync(
      "bash",
      ["-c", `set -o pipefail; "${process.execPath}" "${distCli}" --help | ${reader}`],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
