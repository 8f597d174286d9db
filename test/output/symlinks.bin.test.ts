// A link in the repository where build and schema write by default (flows/, schema/), run from the
// repository as CI does: refused and named, nothing outside read, printed or written.
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, spawnEnvsync, tempDir } from "../helpers/cli.js";

const SECRET = "-----BEGIN PRIVATE KEY-----\nPRIVATE-CONTENT-NEVER-PRINTED\n";

/** A repository whose `folder` is a link to a folder outside holding `files` (the secret). */
function repoWithLinkedFolder(folder: string, files: string[]) {
  const outside = tempDir("envsync-outside-");
  for (const f of files) writeFileSync(join(outside, f), SECRET);
  const repo = tempDir();
  copyFileSync(join(repoRoot, "examples", "envsync.yaml"), join(repo, "envsync.yaml"));
  symlinkSync(outside, join(repo, folder));
  const snapshot = () =>
    Object.fromEntries(
      readdirSync(outside).map((f) => [f, readFileSync(join(outside, f), "utf8")]),
    );
  return { repo, outside, before: snapshot(), snapshot };
}

describe("a linked folder where the output goes", () => {
  it.each(["build --check", "build", "build --check --json"])(
    "`%s` refuses flows/ that is a link",
    async (command) => {
      const args = command.split(" ");
      const place = repoWithLinkedFolder("flows", ["envsync-core.yml", "envsync-drift.yml"]);
      const result = await spawnEnvsync(args, { cwd: place.repo });
      expect(result.code).toBe(1);
      expect(result.out + result.err).not.toContain("PRIVATE-CONTENT");
      expect(result.err).toMatch(/flows\/envsync-[a-z-]+\.yml: refused: flows is a symbolic link/);
      expect(place.snapshot()).toEqual(place.before);
    },
  );

  it.each(["schema --check", "schema"])("`%s` refuses schema/ that is a link", async (command) => {
    const args = command.split(" ");
    const place = repoWithLinkedFolder("schema", ["envsync.schema.json"]);
    const result = await spawnEnvsync(args, { cwd: place.repo });
    expect(result.code).toBe(1);
    expect(result.out + result.err).not.toContain("PRIVATE-CONTENT");
    expect(result.err).toContain("schema/envsync.schema.json: refused: schema is a symbolic link");
    expect(place.snapshot()).toEqual(place.before);
  });

  it("builds into a real flows/ folder as before", async () => {
    const repo = tempDir();
    copyFileSync(join(repoRoot, "examples", "envsync.yaml"), join(repo, "envsync.yaml"));
    mkdirSync(join(repo, "flows"));
    expect((await spawnEnvsync(["build"], { cwd: repo })).code).toBe(0);
    expect((await spawnEnvsync(["build", "--check"], { cwd: repo })).code).toBe(0);
    expect(readdirSync(join(repo, "flows")).every((f) => f.endsWith(".yml"))).toBe(true);
  });
});
