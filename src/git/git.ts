/**
 * The only door to the git CLI: execFile with argument arrays (never a shell string), a GitError
 * carrying git's own message, arguments and exit code, and a pipe between two git processes for the
 * one place that needs it (`git log -p | git patch-id`).
 */
import { execFile, spawn } from "node:child_process";
import { statSync } from "node:fs";
import type { Env } from "../context.js";
import { EnvsyncError } from "../errors.js";
import { withoutSecrets } from "../output/secrets.js";

export class GitError extends EnvsyncError {
  constructor(
    message: string,
    readonly args: readonly string[],
    /** git's exit code; -1 when git could not be started. */
    readonly gitExitCode: number,
    hint?: string,
  ) {
    super(gitExitCode === -1 ? "git-missing" : "git-failed", message, { hint });
    this.name = "GitError";
  }
}

const MAX_BUFFER = 1024 * 1024 * 1024;

export interface GitResult {
  stdout: string;
  exitCode: number;
}

export interface Git {
  /** Runs git in the repository and returns stdout; throws GitError with git's message. */
  run(args: readonly string[], options?: { input?: string }): Promise<string>;
  /**
   * Runs git and returns its exit code along with stdout, for commands that answer with it
   * (`merge-base --is-ancestor`, `rev-parse --verify --quiet`). Codes outside `accept` (0 is always
   * accepted; "any" takes every code git exits with) still throw GitError.
   */
  exec(args: readonly string[], accept: readonly number[] | "any"): Promise<GitResult>;
  /** `git <first> | git <second>`: stdout of the second. */
  pipe(first: readonly string[], second: readonly string[]): Promise<string>;
}

const FIXED_ENV = { LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
/** A path where no hook can be: git finds none there. */
const NO_HOOKS = "/dev/null";

/**
 * No git command EnvSync runs starts a hook or a file-system monitor, whatever the configuration
 * says (the command line outranks every config file and include): a hook a repository command
 * planted in the shared git dir, or named with core.hooksPath, never runs, neither beside the
 * credentials nor in a command before them, where it could configure git for the next one.
 */
const NO_PROGRAMS: readonly string[] = [
  ...["-c", `core.hooksPath=${NO_HOOKS}`],
  ...["-c", "core.fsmonitor=false"],
];

const partialClones = new Map<string, Promise<boolean>>();

/** Whether `cwd` is in a partial clone, asked once per directory. */
function isPartialClone(cwd: string, env: Env): Promise<boolean> {
  let answer = partialClones.get(cwd);
  if (!answer) {
    answer = new Promise<boolean>((resolve) => {
      try {
        // git marks a partial clone's remote as a promisor (newer versions also set
        // extensions.partialClone).
        execFile(
          "git",
          ["config", "--get-regexp", String.raw`^(extensions\.partialclone|remote\..+\.promisor)$`],
          { cwd, env, encoding: "utf8" },
          (error, stdout) =>
            resolve(
              !error &&
                stdout
                  .split("\n")
                  .some((line) => line.trim() !== "" && !/\sfalse$/i.test(line.trim())),
            ),
        );
      } catch {
        // A directory git cannot start in: the command itself will say why.
        resolve(false);
      }
    });
    partialClones.set(cwd, answer);
  }
  return answer;
}

/** Git (or a command it started) was stopped because the user interrupted EnvSync. */
export function interrupted(): EnvsyncError {
  return new EnvsyncError("interrupted", "interrupted; what was started has been cleaned up");
}

/**
 * A git client for `cwd`. `env` is the caller's environment (the CLI passes its context's), so the
 * core never reads `process.env`; git and the hooks it runs get it without secrets. An aborted
 * `signal` stops the git process under way.
 *
 * In a partial clone (a Duo flow job's checkout is `--filter=blob:none`), any command that reads a
 * file's contents fetches the blob from origin on demand, and that fetch needs credentials: there
 * every command gets the job's git-over-HTTP credentials, as fetch and push always do. A command
 * that has them runs no hook, so no code from the repository runs beside them.
 */
export function gitIn(
  cwd: string,
  env: Env,
  options: {
    signal?: AbortSignal;
    /** Keep the job's git-over-HTTP credentials, for fetch and push. */
    gitCredentials?: boolean;
  } = {},
): Git {
  const plain = {
    env: { ...withoutSecrets(env), ...FIXED_ENV },
    prefix: NO_PROGRAMS,
  };
  const credentialed = {
    env: { ...withoutSecrets(env, { gitCredentials: true }), ...FIXED_ENV },
    prefix: [...credentialHelperArgs(env), ...NO_PROGRAMS],
  };
  const { signal } = options;
  const setup = async () =>
    options.gitCredentials || (await isPartialClone(cwd, plain.env)) ? credentialed : plain;
  const exec = async (
    args: readonly string[],
    accept: readonly number[] | "any",
    input?: string,
  ) => {
    const { env: gitEnv, prefix } = await setup();
    return startedIn(cwd, args, (resolve: (result: GitResult) => void, reject) => {
      const child = execFile(
        "git",
        [...prefix, ...args],
        {
          cwd,
          env: gitEnv,
          maxBuffer: MAX_BUFFER,
          encoding: "utf8",
          ...(signal ? { signal } : {}),
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, exitCode: 0 });
          if (error.name === "AbortError") return reject(interrupted());
          const code = typeof error.code === "number" ? error.code : -1;
          if (code !== -1 && (accept === "any" || accept.includes(code)))
            return resolve({ stdout, exitCode: code });
          if (code === -1) return reject(notStarted(error, cwd, args));
          const reason = firstLine(stderr) || error.message;
          reject(new GitError(`git ${subcommand(args)} failed: ${reason}`, args, code));
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  };
  return {
    async run(args, options = {}) {
      return (await exec(args, [], options.input)).stdout;
    },
    exec: (args, accept) => exec(args, accept),
    async pipe(first, second) {
      const { env: gitEnv, prefix } = await setup();
      return startedIn(cwd, first, (resolve: (stdout: string) => void, reject) => {
        const opts = { cwd, env: gitEnv, ...(signal ? { signal } : {}) };
        const a = spawn("git", [...prefix, ...first], {
          ...opts,
          stdio: ["ignore", "pipe", "pipe"],
        });
        const b = spawn("git", [...prefix, ...second], {
          ...opts,
          stdio: ["pipe", "pipe", "pipe"],
        });
        a.stdout.pipe(b.stdin);
        const out: Buffer[] = [];
        const errors: string[] = [];
        b.stdout.on("data", (d: Buffer) => out.push(d));
        a.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
        b.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
        let pending = 2;
        let failed: GitError | undefined;
        const done = (args: readonly string[]) => (code: number | null) => {
          if (code !== 0 && !failed) {
            const reason = firstLine(errors.join("")) || `exit ${code}`;
            failed = new GitError(`git ${subcommand(args)} failed: ${reason}`, args, code ?? -1);
          }
          if (--pending > 0) return;
          if (failed) reject(failed);
          else resolve(Buffer.concat(out).toString("utf8"));
        };
        a.on("close", done(first));
        b.on("close", done(second));
        const failed2 = (error: Error) =>
          reject(error.name === "AbortError" ? interrupted() : notStarted(error, cwd, first));
        a.on("error", failed2);
        b.on("error", failed2);
      });
    },
  };
}

/**
 * Git reads no credentials from the environment by itself. In a flow's job GitLab gives the job's
 * git-over-HTTP credentials as DUO_WORKFLOW_GIT_HTTP_USER and _PASSWORD, for the instance at
 * DUO_WORKFLOW_GIT_HTTP_BASE_URL: a credential helper scoped to that origin hands them to git from
 * its environment, so they are on no command line and in no file, and a remote anywhere else is
 * never sent them.
 *
 * It is the only helper git asks: the empty `credential.helper` first empties the list the system,
 * global and repository configuration built (the command line is read last), so no other helper
 * is asked for them or told to `store` them after the transfer: a user's `credential.helper=store`
 * keeps nothing in ~/.git-credentials, and a helper a repository command configured hears nothing.
 */
function credentialHelperArgs(env: Env): string[] {
  const base = env.DUO_WORKFLOW_GIT_HTTP_BASE_URL;
  if (!base || !env.DUO_WORKFLOW_GIT_HTTP_USER || !env.DUO_WORKFLOW_GIT_HTTP_PASSWORD) return [];
  let origin: string;
  try {
    const url = new URL(base);
    if (url.protocol !== "https:" && url.protocol !== "http:") return [];
    origin = url.origin;
  } catch {
    return [];
  }
  // Fixed text: the values are read by the shell from the environment, never spliced in.
  const helper =
    '!f() { test "$1" = get || exit 0; ' +
    "printf 'username=%s\\npassword=%s\\n' " +
    '"$DUO_WORKFLOW_GIT_HTTP_USER" "$DUO_WORKFLOW_GIT_HTTP_PASSWORD"; }; f';
  return ["-c", "credential.helper=", "-c", `credential.${origin}.helper=${helper}`];
}

/**
 * A promise around starting git: spawn throws some failures to start (ENOTDIR) instead of reporting
 * them, and those are told apart like the others.
 */
function startedIn<T>(
  cwd: string,
  args: readonly string[],
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start(resolve, reject);
    } catch (error) {
      reject(notStarted(error as { code?: unknown; message: string }, cwd, args));
    }
  });
}

/**
 * Why git could not start: the directory it was to run in is missing or unreadable (spawn reports
 * those as it reports a missing binary), or git itself is missing.
 */
function notStarted(
  error: { code?: unknown; message: string },
  cwd: string,
  args: readonly string[],
): Error {
  let directory: "missing" | "not a directory" | undefined;
  try {
    if (!statSync(cwd).isDirectory()) directory = "not a directory";
  } catch {
    directory = "missing";
  }
  if (directory)
    return new EnvsyncError(
      "directory-missing",
      directory === "missing" ? `${cwd} does not exist` : `${cwd} is not a directory`,
      { hint: "check the directory given with -C (the repository)" },
    );
  if (error.code === "EACCES" || error.code === "EPERM")
    return new EnvsyncError("directory-unreadable", `${cwd} cannot be entered (${error.code})`, {
      hint: "check the directory's permissions",
    });
  if (error.code === "ENOENT")
    return new GitError("git is not installed or not on PATH", args, -1, "install git");
  return new GitError(`git could not start: ${error.message}`, args, -1);
}

/**
 * Runs git where a non-zero exit is an answer (not a repository, no such remote, nothing to blame):
 * the exit code comes back with stdout, whatever it is. What is not git's answer still throws as
 * what it is: git missing, a directory missing or unreadable, an interruption.
 */
export function tryGit(git: Git, args: readonly string[]): Promise<GitResult> {
  return git.exec(args, "any");
}

/** The full SHA of a commit-ish, or undefined when the repository has no such commit. */
export async function commitSha(git: Git, ref: string): Promise<string | undefined> {
  const { stdout } = await git.exec(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], [1]);
  return stdout.trim() || undefined;
}

/**
 * `git merge-base --is-ancestor` answers with its exit code: 0 yes, 1 no. Anything else (a bad
 * revision is 128) is a failure, not a "no".
 */
export async function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await git.exec(["merge-base", "--is-ancestor", ancestor, descendant], [1]);
  return exitCode === 0;
}

/** The git command in `args`, past `-c key=value` pairs: what a message names. */
function subcommand(args: readonly string[]): string {
  let i = 0;
  while (args[i] === "-c") i += 2;
  return args[i] ?? "";
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
