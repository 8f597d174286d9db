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

/** Long local work (commits read, picks, a command running), said on the terminal's live line. */
export interface Activity {
  /** What is under way now; shown once the work has taken a second. */
  step(what: string): void;
  /** A line that stays (a warning), written past the live line. */
  note(line: string): void;
  /** Clears the live line. */
  done(): void;
}

/** Work quicker than this says nothing: a progress line that flashes is noise. */
const SHOW_AFTER_MS = 1000;

/**
 * An `Activity` on the live status line, which only a terminal has: off a terminal (a CI log, a
 * pipe) and under `--json` nothing is drawn, while notes still reach stderr in text mode. Once the
 * work has taken a second, the line names the step and the seconds so far, ticking each second.
 */
export function localActivity(
  io: Io,
  options: { json?: boolean; now?: () => number } = {},
): Activity {
  const status = options.json ? undefined : io.status?.bind(io);
  const now = options.now ?? Date.now;
  let current = "";
  let started: number | undefined;
  let shown = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    if (!status || !current || started === undefined) return;
    const elapsed = now() - started;
    if (elapsed < SHOW_AFTER_MS) return;
    shown = true;
    status(`${current} (${Math.floor(elapsed / 1000)}s)`);
  };
  const clear = () => {
    if (shown) status?.("");
    shown = false;
  };
  return {
    step(what) {
      if (!status) return;
      current = what;
      started ??= now();
      if (!timer) {
        timer = setInterval(draw, 1000);
        // A progress line never keeps the process alive.
        timer.unref?.();
      }
      draw();
    },
    note(line) {
      if (options.json) return;
      clear();
      io.stderr(`${line}\n`);
      draw();
    },
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
      current = "";
      started = undefined;
    },
  };
}
