/**
 * Every failure EnvSync expects is one of these types; `exitCodeFor` is the single place that turns
 * them into process exit codes, so commands never pick numbers themselves.
 */

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

export abstract class EnvsyncError extends Error {
  abstract readonly kind: string;
}

/** The config file is unreadable or invalid; carries every problem found, not just the first. */
export class ConfigError extends EnvsyncError {
  readonly kind = "config";
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
}

/** Bad flags or arguments on the command line. */
export class UsageError extends EnvsyncError {
  readonly kind = "usage";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A rendered artefact (flow, schema) failed a check before anything was written. */
export class BuildError extends EnvsyncError {
  readonly kind = "build";
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "BuildError";
  }
}

/** A file the command must write could not be written. */
export class WriteError extends EnvsyncError {
  readonly kind = "write";
  constructor(message: string) {
    super(message);
    this.name = "WriteError";
  }
}

export const ExitCode = {
  ok: 0,
  /** Invalid config, failed build/check, runtime failure. */
  failure: 1,
  /** Unknown command, bad flag, missing argument. */
  usage: 2,
  /** The command ran and found something that needs attention (drift, blocked rollback). */
  findings: 3,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return ExitCode.usage;
  return ExitCode.failure;
}

export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  const at = p.path ? ` (at ${p.path})` : "";
  const hint = p.hint ? `\n  hint: ${p.hint}` : "";
  return `${where}: ${p.message}${at}${hint}`;
}

/** One-line-per-item text for any error, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof UsageError)
    return `error: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}`;
  if (error instanceof BuildError) {
    return [`error: ${error.message}`, ...error.details.map((d) => `  - ${d}`)].join("\n");
  }
  if (error instanceof EnvsyncError) {
    // GitLabError formats itself (method, path, request id); others may carry a hint.
    const describe = (error as { describe?: () => string }).describe;
    if (typeof describe === "function") return describe.call(error);
    const hint = (error as { hint?: string }).hint;
    return `error: ${error.message}${hint ? `\n  hint: ${hint}` : ""}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error: unexpected failure: ${message}\n  hint: this is a bug in envsync; please report it with the command you ran`;
}
