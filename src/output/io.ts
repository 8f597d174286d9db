/** Where commands write. The CLI passes the process streams; tests pass buffers. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
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
