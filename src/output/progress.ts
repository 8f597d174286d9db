/**
 * Progress of long fleet work on stderr: one live line on a terminal, plain lines at most every
 * few seconds elsewhere (a CI log), and always a last line with the totals.
 */
import type { Io } from "./io.js";

export interface Progress {
  /** One item done (a project), with a word on how it went. */
  done(item: string, outcome?: string): void;
  /** Something the run waits for (GitLab's rate limit). */
  waiting(why: string): void;
  finish(): void;
}

const EVERY_MS = 5000;

export function fleetProgress(
  io: Io,
  options: { total: number; what: string; now: () => Date },
): Progress {
  const started = options.now().getTime();
  let count = 0;
  let failed = 0;
  let lastPrinted = 0;
  let waitingFor = "";
  const line = () => {
    const seconds = Math.max(0.001, (options.now().getTime() - started) / 1000);
    const rate = (count / seconds).toFixed(1);
    const wait = waitingFor ? `; waiting for ${waitingFor}` : "";
    return `${options.what}: ${count}/${options.total} (${rate}/s${failed ? `, ${failed} failed` : ""}${wait})`;
  };
  const show = (force = false) => {
    if (io.status) return io.status(line());
    const now = options.now().getTime();
    if (force || now - lastPrinted >= EVERY_MS) {
      lastPrinted = now;
      io.stderr(`${line()}\n`);
    }
  };
  return {
    done(item, outcome) {
      count++;
      waitingFor = "";
      if (outcome?.startsWith("failed")) {
        failed++;
        // A failure is worth its own line, live or not.
        if (io.status) io.status("");
        io.stderr(`${item}: ${outcome}\n`);
      }
      show();
    },
    waiting(why) {
      waitingFor = why;
      show(true);
    },
    finish() {
      if (io.status) io.status("");
      io.stderr(`${line()}\n`);
    },
  };
}

/** A wait GitLab's rate limit imposes goes into the progress line; other waits pass through. */
export function waitLine(
  line: string,
  progress: Progress | undefined,
  fallback: ((line: string) => void) | undefined,
): void {
  if (progress && line.includes("for GitLab's rate limit")) progress.waiting("GitLab's rate limit");
  else fallback?.(line);
}
