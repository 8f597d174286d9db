// SIGTERM while rollback-check reads migrations that take long to classify: the run stops with
// `interrupted` and prints no assessment. Ctrl-C and SIGTERM are handled on Node's event loop; a
// check that classified every file in one synchronous stretch acted on them only after printing.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distCli, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";

/** CPU seconds the process has used, from /proc (Linux, as CI runs). */
function cpuSeconds(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return 0;
  const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe("rollback-check interrupted while it classifies", () => {
  it("stops on SIGTERM between migration files: interrupted, no assessment printed", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "app.rb": "v1\n" });
    repo.git("branch", "-M", "main");
    const target = repo.head();
    // Each file is several MB of statements the SQL scanner reads one by one (a fraction of a
    // second each); twenty of them keep the check busy for seconds.
    const statements = "SELECT '--'; /* x */ DROP/**/TABLE a;\n".repeat(150_000);
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`db/migrations/${1000 + i}_drop.sql`] = statements;
    repo.commit("Drops", files);
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(
      config,
      "version: 1\nenvironments:\n  staging: { branch: staging }\n  production: { branch: main }\n",
    );
    const child = spawn(
      process.execPath,
      [distCli, ...["rollback-check", "-c", config, "--env", "production", "--to", target]].concat([
        "-C",
        repo.dir,
        "--no-fetch",
        "--json",
      ]),
      { env: testEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    // Node's own start and git's reads cost this process little CPU; a second of it means the
    // classification is under way.
    while (running && cpuSeconds(child.pid!) < 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running, `finished before it was interrupted: ${stdout.slice(0, 200)}`).toBe(true);
    child.kill("SIGTERM");
    expect(await exited).toBe(130);
    // Under --json the failure is the output, with its code; the assessment never comes.
    expect(JSON.parse(stdout)).toEqual({ error: expect.objectContaining({ code: "interrupted" }) });
    expect(stderr).toContain("interrupted");
  }, 60_000);
});
