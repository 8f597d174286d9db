/** Where commands write. The CLI passes the process streams; tests pass buffers. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A terminal only: replaces the live status line ("" clears it). */
  status?(line: string): void;
}

export function bufferIo(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// Escape sequences (CSI, OSC, ...) start with a control character, so showing every C0 control
// except tab and newline, DEL, every C1 control and the bidirectional controls as \uXXXX leaves a
// terminal nothing to act on. Inside JSON strings \uXXXX is the same character, so JSON output
// stays valid and means the same.
const TERMINAL_UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function terminalSafe(text: string): string {
  return text.replace(
    TERMINAL_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** An Io whose every write goes through `terminalSafe` and then `scrub`. */
export function guardedIo(io: Io, scrub: (text: string) => string = (t) => t): Io {
  const status = io.status?.bind(io);
  return {
    stdout: (text) => io.stdout(scrub(terminalSafe(text))),
    stderr: (text) => io.stderr(scrub(terminalSafe(text))),
    ...(status ? { status: (line: string) => status(scrub(terminalSafe(line))) } : {}),
  };
}
