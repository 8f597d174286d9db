import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { runCli } from "../../src/cli.js";
import { bufferIo } from "../../src/output/io.js";
import { describeError, exitCodeFor } from "../../src/errors.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const distCli = join(repoRoot, "dist", "cli.js");

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The whole CLI in-process: argument parsing, command, error mapping, exit code. */
export async function envsync(...args: string[]): Promise<CliResult> {
  const io = bufferIo();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

/** The built binary in a child process, for real exit codes and stream separation. */
export function spawnEnvsync(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [distCli, ...args],
      {
        cwd: options.cwd ?? repoRoot,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
      },
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

/**
 * Runs one command function with a buffer for output, mapping a thrown error to its message and
 * exit code exactly as the CLI does. For tests that inject what the CLI cannot (env, clock, sleep).
 */
export async function capture(
  run: (io: ReturnType<typeof bufferIo>) => Promise<number>,
): Promise<CliResult> {
  const io = bufferIo();
  let code: number;
  try {
    code = await run(io);
  } catch (error) {
    io.stderr(`${describeError(error)}\n`);
    code = exitCodeFor(error);
  }
  return { code, out: io.out, err: io.err };
}
