/**
 * Atomic multi-file writes: every file is first written to a temporary sibling, then all are
 * renamed into place. A failure before the renames leaves the previous files untouched.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { EnvsyncError } from "../errors.js";

export interface FileToWrite {
  path: string;
  content: string;
}

/** The largest file EnvSync reads besides envsync.yaml (a drift report, a flow, a CI file). */
const MAX_READ_BYTES = 32 * 1024 * 1024;

/**
 * A file's text, or undefined when it does not exist. Only regular files are read: a FIFO or a
 * device would block or never end, so they are refused with a clear error, as are files larger
 * than MAX_READ_BYTES.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  const failed = (error: unknown) =>
    new EnvsyncError(
      "read-failed",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    // ENOTDIR: a parent is a file, so this file cannot exist; writing it will report the problem.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw failed(error);
  }
  if (!info.isFile())
    throw new EnvsyncError(
      "not-a-file",
      `${path} is ${info.isDirectory() ? "a directory" : "not a regular file (a pipe, socket or device)"}`,
      { hint: "name a regular file" },
    );
  if (info.size > MAX_READ_BYTES)
    throw new EnvsyncError(
      "too-large",
      `${path} is larger than ${MAX_READ_BYTES / 1024 / 1024} MiB`,
    );
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw failed(error);
  }
}

/** Like readTextIfExists, for a file that must exist. */
export async function readText(path: string): Promise<string> {
  const text = await readTextIfExists(path);
  if (text === undefined)
    throw new EnvsyncError("not-found", `${path}: file not found`, { hint: "check the path" });
  return text;
}

export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const file of files) {
      await ensureDirectory(dirname(file.path));
      const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`);
      await writeFile(tmp, file.content, "utf8");
      staged.push({ tmp, path: file.path });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    throw new EnvsyncError(
      "write-failed",
      `cannot write ${files[staged.length]?.path ?? "output"}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; nothing was changed`,
    );
  }
  for (const s of staged) {
    try {
      await rename(s.tmp, s.path);
    } catch (error) {
      await Promise.all(staged.map((x) => rm(x.tmp, { force: true })));
      throw new EnvsyncError(
        "write-failed",
        `cannot move ${s.path} into place: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
}

/**
 * Creates a directory and its missing parents one level at a time. (Node's recursive mkdir never
 * returns for a path under /proc.)
 */
async function ensureDirectory(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (info.isDirectory()) return;
    throw Object.assign(new Error(`${dir} is not a directory`), { code: "ENOTDIR" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const parent = dirname(dir);
  if (parent !== dir) await ensureDirectory(parent);
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
