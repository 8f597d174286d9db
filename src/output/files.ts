/**
 * Atomic multi-file writes: every file is first written to a temporary sibling, then all are
 * renamed into place. A failure before the renames leaves the previous files untouched.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { EnvsyncError } from "../errors.js";

export interface FileToWrite {
  path: string;
  content: string;
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    // ENOTDIR: a parent is a file, so this file cannot exist; writing it will report the problem.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new EnvsyncError(
      "read-failed",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true });
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
