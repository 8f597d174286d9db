/**
 * One error model. Every failure EnvSync expects is an `EnvsyncError` with a stable `code` (for
 * scripts: it is what `--json` failures carry), a `hint` (what to do about it) and the process exit
 * code. Codes form a closed set (error-codes.ts), each with its exit code and documentation.
 * Subclasses exist only where they carry data: `ConfigError` (positioned problems), `GitError`
 * (git's arguments and exit code) and `GitLabError` (the request and GitLab's answer).
 * `formatError` is the one place that turns any of them into text.
 */
import { ERROR_CODES, ExitCode, type ErrorCode } from "./error-codes.js";

export { ExitCode };
export type { ErrorCode };

export interface ErrorOptions {
  hint?: string | undefined;
  /** Extra lines under the message, e.g. each check that failed. */
  details?: readonly string[];
  cause?: unknown;
  /** What a `--json` run prints alongside the error: the result as far as the command got. */
  result?: Record<string, unknown>;
}

export class EnvsyncError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: readonly string[];
  readonly result: Record<string, unknown> | undefined;

  constructor(
    /** Stable identifier, e.g. `usage`, `flows-stale`, `gitlab-not-found`. */
    readonly code: ErrorCode,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EnvsyncError";
    this.hint = options.hint;
    this.exitCode = ERROR_CODES[code].exit;
    this.details = options.details ?? [];
    this.result = options.result;
  }

  /** The first line people read; subclasses add where it happened. */
  get summary(): string {
    return this.message;
  }
}

/** The codes that end with exit code 2: the command line asked for something that cannot be. */
export type UsageCode = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]["exit"] extends typeof ExitCode.usage ? K : never;
}[ErrorCode];

/** Bad flags, arguments or names on the command line: exit code 2, nothing done. */
export function usageError(
  message: string,
  options: { hint?: string; code?: UsageCode } = {},
): EnvsyncError {
  return new EnvsyncError(options.code ?? "usage", message, { hint: options.hint });
}

/** A problem in a config file, positioned in its source. */
export interface Problem {
  file: string;
  /** 1-based; 0 when the problem has no position (a missing file). */
  line: number;
  column: number;
  /** Key path such as `environments.staging.branch`; empty for whole-file problems. */
  path: string;
  message: string;
  hint?: string;
  /** Stable identifier for scripts, e.g. `unknown-key`, `yaml-syntax`. */
  code: string;
}

/** The config file is unreadable or invalid; carries every problem found, not just the first. */
export class ConfigError extends EnvsyncError {
  constructor(readonly problems: Problem[]) {
    super("config-invalid", problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
}

export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  const at = p.path ? ` (at ${p.path})` : "";
  const hint = p.hint ? `\n  hint: ${p.hint}` : "";
  return `${where}: ${p.message}${at}${hint}`;
}

export function exitCodeFor(error: unknown): number {
  return error instanceof EnvsyncError ? error.exitCode : ExitCode.failure;
}

/** Text for people: a line per item, a hint, never a stack trace. */
export function formatError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (!(error instanceof EnvsyncError)) {
    const message = error instanceof Error ? error.message : String(error);
    return [
      `error: unexpected failure: ${message}`,
      "  hint: this is a bug in envsync; please report it with the command you ran",
    ].join("\n");
  }
  const lines = [`error: ${error.summary}`, ...error.details.map((d) => `  - ${d}`)];
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join("\n");
}

/**
 * What a `--json` run prints on stdout when it fails: the result as far as the command got, and
 * the error's facts keyed for scripts.
 */
export function errorJson(error: unknown): Record<string, unknown> {
  if (!(error instanceof EnvsyncError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: { code: "internal" satisfies ErrorCode, message } };
  }
  return {
    ...error.result,
    error: {
      code: error.code,
      message: error.summary,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.details.length > 0 ? { details: error.details } : {}),
      ...(error instanceof ConfigError ? { problems: error.problems } : {}),
    },
  };
}
