// Files in a repository are its authors', symbolic links included. A link at a file EnvSync reads
// or writes, at a folder on the way, or at the temp name an older EnvSync used (`.<file>.<pid>.tmp`)
// never makes it read a file outside the repository (and print it) or write one there: the path is
// refused, named, with the reason. (Shapes that need the working directory as the repository are in
// symlinks.bin.test.ts.)
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkoutDir, envsync, envsyncIn, repoRoot, tempDir } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";

const EXAMPLE = join(repoRoot, "examples", "envsync.yaml");
/** What must never be printed: the content of a file outside the repository. */
const SECRET = "host: gitlab.example.com\ntoken: PRIVATE-CONTENT-NEVER-PRINTED\n";

/** A folder outside the repository, holding one file a link points at; how it looked before. */
function outside(): { dir: string; secret: string; snapshot: () => Record<string, string> } {
  const dir = tempDir("envsync-outside-");
  const secret = join(dir, "config.yml");
  writeFileSync(secret, SECRET);
  const snapshot = () =>
    Object.fromEntries(
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => lstatSync(join(dir, f)).isFile())
        .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
    );
  return { dir, secret, snapshot };
}

/** Nothing outside was printed, changed or added; the refusal named `path` with its reason. */
function expectRefused(
  result: { code: number; out: string; err: string },
  place: ReturnType<typeof outside>,
  before: Record<string, string>,
  path: string,
): void {
  expect(result.code).toBe(1);
  expect(result.out + result.err).not.toContain("PRIVATE-CONTENT");
  expect(result.err).toContain(path);
  expect(result.err).toMatch(/refused: .*a symbolic link/);
  expect(place.snapshot()).toEqual(before);
}

/** Planted links at the temp names an older EnvSync wrote next to `file`, into `place`. */
function plantTempLinks(file: string, place: ReturnType<typeof outside>): string[] {
  const dir = join(file, "..");
  const name = file.split("/").pop()!;
  const names = [`.${name}.${process.pid}.tmp`, `${name}.${process.pid}.tmp`];
  return names.map((planted, i) => {
    const link = join(dir, planted);
    symlinkSync(i === 0 ? place.secret : join(place.dir, "new-file"), link);
    return link;
  });
}

describe("ci: .gitlab-ci.yml and .gitlab/duo/agent-config.yml", () => {
  const ci = (dir: string, ...args: string[]) =>
    envsync("ci", "-c", EXAMPLE, "-C", dir, "--runtime", "registry", ...args);

  it.each([[[]], [["--write", "--dry-run"]], [["--write"]]])(
    "refuses a .gitlab-ci.yml that is a link (%j): nothing read, printed or written",
    async (args) => {
      const place = outside();
      const before = place.snapshot();
      const repo = checkoutDir();
      symlinkSync(place.secret, join(repo, ".gitlab-ci.yml"));
      expectRefused(await ci(repo, ...args), place, before, ".gitlab-ci.yml");
      expect(lstatSync(join(repo, ".gitlab-ci.yml")).isSymbolicLink()).toBe(true);
    },
  );

  it("refuses an agent-config.yml that is a link, which plain `ci` would print", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = checkoutDir();
    mkdirSync(join(repo, ".gitlab", "duo"), { recursive: true });
    symlinkSync(place.secret, join(repo, ".gitlab", "duo", "agent-config.yml"));
    for (const args of [[], ["--write"], ["--write", "--dry-run"], ["--json"]]) {
      const result = await ci(repo, ...args);
      expectRefused(result, place, before, join(".gitlab", "duo", "agent-config.yml"));
    }
  });

  it.each([".gitlab", join(".gitlab", "duo")])(
    "refuses to read or write through %s when it is a link to a folder outside",
    async (folder) => {
      const place = outside();
      mkdirSync(join(place.dir, "duo"));
      writeFileSync(join(place.dir, "duo", "agent-config.yml"), SECRET);
      writeFileSync(join(place.dir, "agent-config.yml"), SECRET);
      const before = place.snapshot();
      const repo = checkoutDir();
      if (folder !== ".gitlab") mkdirSync(join(repo, ".gitlab"));
      symlinkSync(place.dir, join(repo, folder));
      for (const args of [[], ["--write"]]) {
        const result = await ci(repo, ...args);
        expectRefused(result, place, before, folder);
        expect(result.err).toContain(`${join(repo, folder)} is a symbolic link`);
      }
      expect(readdirSync(join(place.dir, "duo"))).toEqual(["agent-config.yml"]);
    },
  );

  it("writes through no planted temp name: the files land, the links and their targets stay", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = checkoutDir();
    writeFileSync(join(repo, ".gitlab-ci.yml"), "stages: [test]\n");
    mkdirSync(join(repo, ".gitlab", "duo"), { recursive: true });
    const links = [
      ...plantTempLinks(join(repo, ".gitlab-ci.yml"), place),
      ...plantTempLinks(join(repo, ".gitlab", "duo", "agent-config.yml"), place),
    ];
    const result = await ci(repo, "--write");
    expect(result.code).toBe(0);
    expect(readFileSync(join(repo, ".gitlab-ci.yml"), "utf8")).toContain("include:");
    expect(lstatSync(join(repo, ".gitlab-ci.yml")).isFile()).toBe(true);
    for (const link of links) expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(place.snapshot()).toEqual(before);
    // No temp file of its own is left behind.
    const temps = readdirSync(repo).filter((f) => f.endsWith(".tmp"));
    expect(temps.map((f) => join(repo, f)).filter((f) => !links.includes(f))).toEqual([]);
  });
});

describe("build and build --check: the compiled flows", () => {
  it("refuses a flow file that is a link: --check prints no diff of the file outside", async () => {
    const place = outside();
    const before = place.snapshot();
    const out = join(tempDir(), "flows");
    expect((await envsync("build", "-c", EXAMPLE, "-o", out)).code).toBe(0);
    const flow = join(out, "envsync-core.yml");
    writeFileSync(place.secret, SECRET);
    rmSync(flow);
    symlinkSync(place.secret, flow);
    for (const args of [["--check"], ["--check", "--json"], []]) {
      const result = await envsync("build", "-c", EXAMPLE, "-o", out, ...args);
      expectRefused(result, place, before, flow);
      expect(lstatSync(flow).isSymbolicLink()).toBe(true);
    }
  });

  it("writes through no planted temp name", async () => {
    const place = outside();
    const before = place.snapshot();
    const out = tempDir();
    const links = plantTempLinks(join(out, "envsync-core.yml"), place);
    expect((await envsync("build", "-c", EXAMPLE, "-o", out)).code).toBe(0);
    expect(lstatSync(join(out, "envsync-core.yml")).isFile()).toBe(true);
    for (const link of links) expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(place.snapshot()).toEqual(before);
    expect((await envsync("build", "--check", "-c", EXAMPLE, "-o", out)).code).toBe(0);
  });
});

describe("schema", () => {
  it("refuses a schema file that is a link, for --check and for writing", async () => {
    const place = outside();
    const before = place.snapshot();
    const file = join(tempDir(), "envsync.schema.json");
    symlinkSync(place.secret, file);
    for (const args of [["--check"], []]) {
      const result = await envsync("schema", "-o", file, ...args);
      expectRefused(result, place, before, file);
    }
  });

  it("writes through no planted temp name", async () => {
    const place = outside();
    const before = place.snapshot();
    const file = join(tempDir(), "envsync.schema.json");
    const links = plantTempLinks(file, place);
    expect((await envsync("schema", "-o", file)).code).toBe(0);
    expect(lstatSync(file).isFile()).toBe(true);
    for (const link of links) expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(place.snapshot()).toEqual(before);
  });
});

describe("init", () => {
  function repoWithBranches(): TestRepo {
    const repo = new TestRepo();
    repo.commit("base");
    repo.git("branch", "staging");
    repo.git("branch", "main");
    return repo;
  }

  it("refuses an envsync.yaml that is a link, even one to nothing yet", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = repoWithBranches();
    symlinkSync(join(place.dir, "envsync.yaml"), join(repo.dir, "envsync.yaml"));
    const result = await envsync("init", "-C", repo.dir, "--yes");
    expectRefused(result, place, before, join(repo.dir, "envsync.yaml"));
  });

  it("refuses to write through a folder of the repository that is a link", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = repoWithBranches();
    symlinkSync(place.dir, join(repo.dir, "config"));
    const file = join(repo.dir, "config", "envsync.yaml");
    const result = await envsync("init", "-C", repo.dir, "-o", file, "--yes");
    expectRefused(result, place, before, join(repo.dir, "config"));
  });

  it("writes through no planted temp name", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = repoWithBranches();
    const links = plantTempLinks(join(repo.dir, "envsync.yaml"), place);
    const result = await envsync("init", "-C", repo.dir, "--yes");
    expect(result.code).toBe(0);
    expect(lstatSync(join(repo.dir, "envsync.yaml")).isFile()).toBe(true);
    for (const link of links) expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(place.snapshot()).toEqual(before);
  });
});

describe("cherry-pick: the union rule", () => {
  const YAML = `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging }
conflicts:
  auto_resolve:
    - paths: ["CHANGELOG.md*", "notes/**"]
      strategy: union
`;

  async function pick(repo: TestRepo, sha: string) {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    return envsyncIn({}, "cherry-pick", sha, "--to", "staging", "-c", config, "-C", repo.dir);
  }

  it("refuses a conflicted CHANGELOG.md that is a link on the target: nothing written outside", async () => {
    const place = outside();
    const before = place.snapshot();
    const repo = new TestRepo();
    repo.commit("base", { "CHANGELOG.md": "# Changes\n" });
    repo.git("branch", "staging");
    const change = repo.commit("Dev change", { "CHANGELOG.md": "# Changes\n- dev\n" });
    repo.checkout("staging");
    repo.git("rm", "-q", "CHANGELOG.md");
    symlinkSync(place.secret, join(repo.dir, "CHANGELOG.md"));
    repo.git("add", "CHANGELOG.md");
    repo.git("commit", "-q", "-m", "CHANGELOG.md becomes a link");
    repo.checkout("develop");
    const result = await pick(repo, change);
    expect(result.out + result.err).not.toContain("PRIVATE-CONTENT");
    expect(place.snapshot()).toEqual(before);
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/CHANGELOG\.md: refused: it is a symbolic link/);
  });

  it("writes nothing through a folder that is a link (git moves it out of the way)", async () => {
    const place = outside();
    mkdirSync(join(place.dir, "notes"));
    writeFileSync(join(place.dir, "notes", "log.md"), SECRET);
    const before = place.snapshot();
    const repo = new TestRepo();
    repo.commit("base", { "notes/log.md": "# Log\n" });
    repo.git("branch", "staging");
    const change = repo.commit("Dev change", { "notes/log.md": "# Log\n- dev\n" });
    repo.checkout("staging");
    repo.git("rm", "-q", "-r", "notes");
    symlinkSync(join(place.dir, "notes"), join(repo.dir, "notes"));
    repo.git("add", "notes");
    repo.git("commit", "-q", "-m", "notes becomes a link");
    repo.checkout("develop");
    const result = await pick(repo, change);
    expect(result.out + result.err).not.toContain("PRIVATE-CONTENT");
    expect(place.snapshot()).toEqual(before);
    expect(readFileSync(join(place.dir, "notes", "log.md"), "utf8")).toBe(SECRET);
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
  });
});

describe("dashboard --report GLOB", () => {
  const YAML = `version: 1
project: acme/ops
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

  it("refuses a link the glob reaches, and never quotes a report that is not JSON", async () => {
    const place = outside();
    const before = place.snapshot();
    const dir = tempDir();
    mkdirSync(join(dir, "reports"));
    symlinkSync(place.secret, join(dir, "reports", "shard-1.json"));
    writeFileSync(join(dir, "envsync.yaml"), YAML);
    const run = () =>
      envsync(
        ...["dashboard", "-c", join(dir, "envsync.yaml")],
        ...["--report", join(dir, "reports", "*.json"), "--dry-run"],
      );
    const linked = await run();
    expectRefused(linked, place, before, join(dir, "reports", "shard-1.json"));
    // The same content as a regular file: not JSON, said without quoting it.
    rmSync(join(dir, "reports", "shard-1.json"));
    writeFileSync(join(dir, "reports", "shard-1.json"), SECRET);
    const notJson = await run();
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain("shard-1.json: it is not JSON");
    expect(notJson.out + notJson.err).not.toContain("PRIVATE-CONTENT");
    expect(notJson.out + notJson.err).not.toContain("gitlab.example.com");
    writeFileSync(join(dir, "reports", "shard-1.json"), '{"pairs": [1,\n  2,,]}');
    const at = await run();
    expect(at.err).toMatch(/it is not JSON( \(at line 2, column \d+\))?/);
    expect(existsSync(join(dir, "reports", "shard-1.json"))).toBe(true);
  });
});
