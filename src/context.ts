/**
 * What a command may touch. The CLI builds one context from the process (streams, environment,
 * clock); tests build their own. Each command declares the part it uses with `Pick<...>`, and the
 * core below it takes plain values, never the process.
 */
import type { Fetch, RetryPolicy } from "./gitlab/http.js";
import type { Io } from "./output/io.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface CommandContext {
  io: Io;
  /** The environment: GitLab settings, CI's predefined variables, and what git needs (PATH, HOME). */
  env: Env;
  now: () => Date;
  /** Asks the person at the terminal a yes/no question; absent when there is none (CI, a pipe). */
  ask?: (question: string) => Promise<boolean>;
  /** Aborted when the user interrupts (Ctrl-C, SIGTERM): work stops and cleans up after itself. */
  signal?: AbortSignal;
  /** How GitLab requests time out, retry and wait; tests shorten these. */
  http?: {
    policy?: Partial<RetryPolicy>;
    sleep?: (ms: number) => Promise<void>;
    /** Where a line goes while GitLab is slow or a retry waits (the CLI: stderr). */
    onWait?: (line: string) => void;
    /**
     * Sends one request; the global `fetch` when absent. Tests give their own to fail the way
     * only a network can (a name that does not resolve) without needing one.
     */
    fetch?: Fetch;
  };
}
