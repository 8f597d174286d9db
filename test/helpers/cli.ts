import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { runCli } from "../../src/cli.js";
import type { CommandContext, Env } from "../../src/context.js";
import { bufferIo } from "../../src/output/io.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const distCli = join(repoRoot, "dist", "cli.js");

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * The environment a test run starts from: what git needs (PATH, HOME, ...), none of a surrounding
 * GitLab CI job's variables, plus `extra`. Tests never change `process.env`.
 */
export function testEnv(extra: Record<string, string> = {}): Env {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !key.startsWith("CI_") && !key.startsWith("GITLAB_"),
  );
  return { ...Object.fromEntries(inherited), ...extra };
}

export type TestContext = Partial<Omit<CommandContext, "io">>;

/** The whole CLI in-process: argument parsing, command, error mapping, exit code. */
export async function envsync(...args: string[]): Promise<CliResult> {
  return envsyncIn({}, ...args);
}

/** Like `envsync`, with the environment, clock or HTTP timing the test needs. */
export async function envsyncIn(context: TestContext, ...args: string[]): Promise<CliResult> {
  const io = bufferIo();
  const code = await runCli(args, {
    io,
    env: testEnv(),
    now: () => new Date(),
    ...context,
  });
  return { code, out: io.out, err: io.err };
}

/**
 * The built binary in a child process, for real exit codes and stream separation; or, with
 * `command`, whatever runs as `envsync` there (the one-file runtime put on PATH).
 */
export function spawnEnvsync(
  args: string[],
  options: { cwd?: string; env?: Env; command?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      options.command ?? process.execPath,
      options.command ? args : [distCli, ...args],
      { cwd: options.cwd ?? repoRoot, env: options.env ?? testEnv(), maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, out, err });
      },
    );
  });
}

/** A temp directory removed after the current test. */
export function tempDir(prefix = "envsync-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An empty git checkout in a temp dir: `ci --write` writes files to commit, so only into one. */
export function checkoutDir(): string {
  const dir = tempDir();
  execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}
