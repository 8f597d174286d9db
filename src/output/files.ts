/**
 * Reading and writing files. A repository's files are its authors', symbolic links included: what
 * EnvSync reads or writes below a root (the repository, an output directory) stays below it. Every
 * path component under the root is checked with lstat and a link is refused (`path-refused`, naming
 * the link), the file itself is opened without following a link, and the directory it is in must
 * resolve under the root. Writes are atomic: every file is first written to a temporary sibling
 * created exclusively under an unpredictable name, then all are renamed into place; a failure
 * before the renames leaves the previous files untouched.
 */
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  lstat,
  mkdir,
  open,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  type FileHandle,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { EnvsyncError } from "../errors.js";

export interface FileToWrite {
  path: string;
  content: string;
}

/** The largest file EnvSync reads besides envsync.yaml (a drift report, a flow, a CI file). */
const MAX_READ_BYTES = 32 * 1024 * 1024;

/** Not on every platform (Windows has no O_NOFOLLOW); there the lstat walk stands alone. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A pipe swapped in after the check must not block the open. */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * The directory EnvSync confines itself to for `path`: `base` (the repository, by default the
 * working directory) when the path is inside it; otherwise the path itself (a directory) or the
 * directory it is in (a file), which the user named and whose own components are theirs.
 */
export function rootFor(path: string, kind: "file" | "directory", base = "."): string {
  if (within(relative(resolve(base), resolve(path)))) return base;
  return kind === "directory" ? path : dirname(path);
}

/** Whether a relative path (from `relative`) stays where it starts, or below. */
function within(inside: string): boolean {
  return inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

/** The root as a person reads it in a refusal. */
const shown = (root: string) => (root === "." ? "the working directory" : root);

/** The components of `path` below `root`; a path that is not below it is refused. */
function componentsBelow(root: string, path: string): string[] {
  const inside = relative(resolve(root), resolve(path));
  if (inside === "" || !within(inside))
    throw new EnvsyncError("path-refused", `${path}: refused: it is not inside ${shown(root)}`, {
      hint: `EnvSync reads and writes only inside ${shown(root)}`,
    });
  return inside.split(sep);
}

/** A refusal naming the link (`link`, a component of `path`) and where it points. */
async function linkRefused(path: string, link: string, root: string): Promise<EnvsyncError> {
  const target = await readlink(resolve(link)).catch(() => undefined);
  const what = resolve(link) === resolve(path) ? "it is" : `${link} is`;
  return new EnvsyncError(
    "path-refused",
    `${path}: refused: ${what} a symbolic link${target === undefined ? "" : ` (to ${target})`}`,
    {
      hint:
        `EnvSync reads and writes inside ${shown(root)} only, never through a link: replace the link ` +
        "with the real file or folder, or name the real path",
    },
  );
}

function outsideRefused(path: string, root: string): EnvsyncError {
  return new EnvsyncError("path-refused", `${path}: refused: it resolves outside ${shown(root)}`, {
    hint: `EnvSync reads and writes inside ${shown(root)} only, never through a link`,
  });
}

/** lstat that answers undefined for a path that does not exist (or whose parent is a file). */
async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Whether `dir`, resolved, is `root` (resolved) or below it. */
async function resolvesUnder(root: string, dir: string): Promise<boolean> {
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  return within(relative(realRoot, realDir));
}

/**
 * Walks `path` below `root` with lstat: a link at any component is refused. Returns what the
 * file is, or undefined when it (or a folder on the way) does not exist.
 */
async function walk(root: string, path: string): Promise<Stats | undefined> {
  const parts = componentsBelow(root, path);
  let current = root;
  let info: Stats | undefined;
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    info = await lstatIfExists(current);
    if (!info) return undefined;
    if (info.isSymbolicLink()) throw await linkRefused(path, current, root);
    if (i < parts.length - 1 && !info.isDirectory()) return undefined;
  }
  return info;
}

function notAFile(path: string, info: Stats): EnvsyncError {
  return new EnvsyncError(
    "not-a-file",
    `${path} is ${info.isDirectory() ? "a directory" : "not a regular file (a pipe, socket or device)"}`,
    { hint: "name a regular file" },
  );
}

/** Reads a regular file opened without following a link; `expected` is what lstat saw. */
async function readRegular(path: string, expected: Stats | undefined): Promise<string> {
  const failed = (error: unknown) =>
    new EnvsyncError("read-failed", `cannot read ${path}: ${errno(error)}`);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NONBLOCK | (expected ? NOFOLLOW : 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      throw new EnvsyncError("path-refused", `${path}: refused: it is a symbolic link`);
    throw failed(error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(path, info);
    // Swapped between the check and the open: not the file that was checked.
    if (expected && (info.ino !== expected.ino || info.dev !== expected.dev))
      throw new EnvsyncError("path-refused", `${path}: refused: it changed while being read`);
    if (info.size > MAX_READ_BYTES)
      throw new EnvsyncError(
        "too-large",
        `${path} is larger than ${MAX_READ_BYTES / 1024 / 1024} MiB`,
      );
    return await handle.readFile("utf8");
  } catch (error) {
    if (error instanceof EnvsyncError) throw error;
    throw failed(error);
  } finally {
    await handle.close();
  }
}

/**
 * A file's text below `root`, or undefined when it does not exist. A symbolic link at any component
 * below the root is refused, as is a path that resolves outside it; only a regular file is read.
 */
export async function readTextInside(root: string, path: string): Promise<string | undefined> {
  let info;
  try {
    info = await walk(root, path);
  } catch (error) {
    if (error instanceof EnvsyncError) throw error;
    throw new EnvsyncError("read-failed", `cannot read ${path}: ${errno(error)}`);
  }
  if (!info) return undefined;
  if (!info.isFile()) throw notAFile(path, info);
  if (!(await resolvesUnder(root, dirname(path)))) throw outsideRefused(path, root);
  return readRegular(path, info);
}

/** Whether something is at `path` below `root`; a link on the way (or there) is refused. */
export async function existsInside(root: string, path: string): Promise<boolean> {
  try {
    return (await walk(root, path)) !== undefined;
  } catch (error) {
    if (error instanceof EnvsyncError) throw error;
    throw new EnvsyncError("read-failed", `cannot read ${path}: ${errno(error)}`);
  }
}

/**
 * A file's text, or undefined when it does not exist, for a path the user named (a link they name
 * is theirs to follow). Only regular files are read: a FIFO or a device would block or never end,
 * so they are refused with a clear error, as are files larger than MAX_READ_BYTES.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    // ENOTDIR: a parent is a file, so this file cannot exist; writing it will report the problem.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new EnvsyncError("read-failed", `cannot read ${path}: ${errno(error)}`);
  }
  if (!info.isFile()) throw notAFile(path, info);
  return readRegular(path, undefined);
}

/** Like readTextIfExists, for a file that must exist. */
export async function readText(path: string): Promise<string> {
  const text = await readTextIfExists(path);
  if (text === undefined)
    throw new EnvsyncError("not-found", `${path}: file not found`, { hint: "check the path" });
  return text;
}

/**
 * Writes `files`, each below `root`, atomically: each goes to a temporary sibling created
 * exclusively (never through a link, under a name no one can plant in advance), keeping the mode of
 * the file it replaces, then all are renamed into place. Missing folders below the root are created
 * one at a time, and a link at any component is refused before any file is replaced.
 */
export async function writeFilesInside(root: string, files: readonly FileToWrite[]): Promise<void> {
  const staged: { tmp: string; path: string }[] = [];
  const discard = () => Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
  let current = files[0]?.path ?? root;
  try {
    for (const file of files) {
      current = file.path;
      const parts = componentsBelow(root, file.path);
      await ensureDirectory(root);
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        dir = join(dir, part);
        await directoryBelow(root, dir, file.path);
      }
      if (!(await resolvesUnder(root, dir))) throw outsideRefused(file.path, root);
      const target = join(dir, parts.at(-1)!);
      const existing = await lstatIfExists(target);
      if (existing?.isSymbolicLink()) throw await linkRefused(file.path, target, root);
      const tmp = join(dir, `.${basename(target)}.${randomBytes(8).toString("hex")}.tmp`);
      const mode = existing?.isFile() ? existing.mode & 0o7777 : 0o666;
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
      const handle = await open(tmp, flags, mode);
      staged.push({ tmp, path: target });
      try {
        await handle.writeFile(file.content, "utf8");
        // The umask narrowed a replaced file's mode at creation: the file keeps its own.
        if (existing?.isFile()) await handle.chmod(mode);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await discard();
    if (error instanceof EnvsyncError) throw error;
    throw new EnvsyncError(
      "write-failed",
      `cannot write ${current}: ${errno(error)}; nothing was changed`,
    );
  }
  for (const s of staged) {
    try {
      await rename(s.tmp, s.path);
    } catch (error) {
      await discard();
      throw new EnvsyncError("write-failed", `cannot move ${s.path} into place: ${errno(error)}`);
    }
  }
}

/** A folder below the root: created when missing, refused when it is a link. */
async function directoryBelow(root: string, dir: string, path: string): Promise<void> {
  let info = await lstatIfExists(dir);
  if (!info) {
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    info = await lstat(dir);
  }
  if (info.isSymbolicLink()) throw await linkRefused(path, dir, root);
  if (!info.isDirectory())
    throw Object.assign(new Error(`${dir} is not a directory`), { code: "ENOTDIR" });
}

/**
 * Creates the root and its missing parents one level at a time (the root is the user's: a link
 * there is theirs). Node's recursive mkdir never returns for a path under /proc.
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
