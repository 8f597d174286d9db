/**
 * A thin typed wrapper over the git CLI: execFile with argument arrays (never a shell string), a
 * typed GitError carrying git's own message, and a pipe between two git processes for the one
 * place that needs it (`git log -p | git patch-id`).
 */
import { execFile, spawn } from "node:child_process";
import { EnvsyncError } from "../errors.js";

export class GitError extends EnvsyncError {
  readonly kind = "git";
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly hint?: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

const MAX_BUFFER = 1024 * 1024 * 1024;

export interface Git {
  /** Runs git in the repository and returns stdout; throws GitError with git's message. */
  run(
    args: readonly string[],
    options?: { input?: string; allowExitCodes?: number[] },
  ): Promise<string>;
  /** `git <first> | git <second>`: stdout of the second. */
  pipe(first: readonly string[], second: readonly string[]): Promise<string>;
}

export function gitIn(cwd: string): Git {
  const env = { ...process.env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
  return {
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          "git",
          [...args],
          { cwd, env, maxBuffer: MAX_BUFFER, encoding: "utf8" },
          (error, stdout, stderr) => {
            const code = error
              ? typeof (error as { code?: unknown }).code === "number"
                ? (error as { code: number }).code
                : -1
              : 0;
            if (error && !(options.allowExitCodes ?? []).includes(code)) {
              const spawnFailed = (error as NodeJS.ErrnoException).code === "ENOENT";
              reject(
                new GitError(
                  spawnFailed
                    ? "git is not installed or not on PATH"
                    : `git ${args[0]} failed: ${firstLine(stderr) || error.message}`,
                  args,
                  spawnFailed ? "install git" : undefined,
                ),
              );
              return;
            }
            resolve(stdout);
          },
        );
        if (options.input !== undefined) child.stdin?.end(options.input);
      });
    },
    pipe(first, second) {
      return new Promise((resolve, reject) => {
        const a = spawn("git", [...first], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        const b = spawn("git", [...second], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
        a.stdout.pipe(b.stdin);
        const out: Buffer[] = [];
        const errors: string[] = [];
        b.stdout.on("data", (d: Buffer) => out.push(d));
        a.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
        b.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
        let pending = 2;
        let failed: GitError | undefined;
        const done = (args: readonly string[]) => (code: number | null) => {
          if (code !== 0 && !failed)
            failed = new GitError(
              `git ${args[0]} failed: ${firstLine(errors.join("")) || `exit ${code}`}`,
              args,
            );
          if (--pending === 0)
            failed ? reject(failed) : resolve(Buffer.concat(out).toString("utf8"));
        };
        a.on("close", done(first));
        b.on("close", done(second));
        a.on("error", reject);
        b.on("error", reject);
      });
    },
  };
}

/** The full SHA of a commit-ish, or undefined when the repository has no such commit. */
export async function commitSha(git: Git, ref: string): Promise<string | undefined> {
  return (
    (
      await git.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
        allowExitCodes: [1],
      })
    ).trim() || undefined
  );
}

/** `git merge-base --is-ancestor` answers with its exit code: 0 yes, 1 no. */
export async function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await git.run(["merge-base", "--is-ancestor", ancestor, descendant]);
    return true;
  } catch (error) {
    if (error instanceof GitError) return false;
    throw error;
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
