// output/files.ts, the one door for files inside a repository: no link followed at any component,
// temp files created exclusively under unpredictable names, writes atomic and mode-keeping.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvsyncError } from "../../src/errors.js";
import { existsInside, readTextInside, rootFor, writeFilesInside } from "../../src/output/files.js";
import { tempDir } from "../helpers/cli.js";

function setUp() {
  const root = tempDir();
  const outside = tempDir("envsync-outside-");
  writeFileSync(join(outside, "secret"), "PRIVATE\n");
  return { root, outside };
}

async function refusal(promise: Promise<unknown>): Promise<EnvsyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvsyncError);
  expect((error as EnvsyncError).code).toBe("path-refused");
  return error as EnvsyncError;
}

describe("readTextInside", () => {
  it("reads a regular file, and answers undefined for a missing one or one under a file", async () => {
    const { root } = setUp();
    mkdirSync(join(root, "a"));
    writeFileSync(join(root, "a", "b.txt"), "text\n");
    expect(await readTextInside(root, join(root, "a", "b.txt"))).toBe("text\n");
    expect(await readTextInside(root, join(root, "a", "missing"))).toBeUndefined();
    expect(await readTextInside(root, join(root, "a", "b.txt", "c"))).toBeUndefined();
  });

  it("refuses a link at the file or at any folder on the way, naming it", async () => {
    const { root, outside } = setUp();
    symlinkSync(join(outside, "secret"), join(root, "file"));
    const file = await refusal(readTextInside(root, join(root, "file")));
    expect(file.message).toBe(
      `${join(root, "file")}: refused: it is a symbolic link (to ${join(outside, "secret")})`,
    );
    mkdirSync(join(root, "a"));
    symlinkSync(outside, join(root, "a", "b"));
    const folder = await refusal(readTextInside(root, join(root, "a", "b", "secret")));
    expect(folder.message).toContain(`${join(root, "a", "b")} is a symbolic link`);
    // A link to nothing is refused as well: it is not "missing".
    symlinkSync(join(outside, "none"), join(root, "dangling"));
    await refusal(readTextInside(root, join(root, "dangling")));
    await refusal(existsInside(root, join(root, "dangling")));
  });

  it("refuses a path that leads out of the root", async () => {
    const { root, outside } = setUp();
    const error = await refusal(
      readTextInside(root, join(root, "..", basename(outside), "secret")),
    );
    expect(error.message).toContain(`is not inside ${root}`);
  });

  it("confines a path to the repository it is in, else to the folder the user named", () => {
    expect(rootFor("flows", "directory")).toBe(".");
    expect(rootFor("schema/envsync.schema.json", "file")).toBe(".");
    expect(rootFor("/elsewhere/flows", "directory")).toBe("/elsewhere/flows");
    expect(rootFor("/elsewhere/schema.json", "file")).toBe("/elsewhere");
    expect(rootFor("/repo/envsync.yaml", "file", "/repo")).toBe("/repo");
  });
});

describe("writeFilesInside", () => {
  it("creates missing folders, keeps the mode of a replaced file and leaves no temp file", async () => {
    const { root } = setUp();
    writeFileSync(join(root, "run.sh"), "old\n");
    chmodSync(join(root, "run.sh"), 0o755);
    await writeFilesInside(root, [
      { path: join(root, "run.sh"), content: "new\n" },
      { path: join(root, "a", "b", "c.txt"), content: "c\n" },
    ]);
    expect(readFileSync(join(root, "run.sh"), "utf8")).toBe("new\n");
    expect(statSync(join(root, "run.sh")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, "a", "b", "c.txt"), "utf8")).toBe("c\n");
    expect(readdirSync(root).sort()).toEqual(["a", "run.sh"]);
  });

  it("refuses a link at the file or a folder before anything is written", async () => {
    const { root, outside } = setUp();
    writeFileSync(join(root, "first"), "first\n");
    symlinkSync(outside, join(root, "linked"));
    const error = await refusal(
      writeFilesInside(root, [
        { path: join(root, "first"), content: "changed\n" },
        { path: join(root, "linked", "secret"), content: "overwritten\n" },
      ]),
    );
    expect(error.message).toContain(`${join(root, "linked")} is a symbolic link`);
    expect(readFileSync(join(root, "first"), "utf8")).toBe("first\n");
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("PRIVATE\n");
    expect(readdirSync(root).sort()).toEqual(["first", "linked"]);
    symlinkSync(join(outside, "secret"), join(root, "file"));
    await refusal(writeFilesInside(root, [{ path: join(root, "file"), content: "x\n" }]));
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("PRIVATE\n");
    expect(lstatSync(join(root, "file")).isSymbolicLink()).toBe(true);
  });

  it("never writes through a link planted at a temp name", async () => {
    const { root, outside } = setUp();
    for (const name of [`.out.${process.pid}.tmp`, `out.${process.pid}.tmp`])
      symlinkSync(join(outside, "secret"), join(root, name));
    await writeFilesInside(root, [{ path: join(root, "out"), content: "out\n" }]);
    expect(readFileSync(join(root, "out"), "utf8")).toBe("out\n");
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("PRIVATE\n");
  });
});
