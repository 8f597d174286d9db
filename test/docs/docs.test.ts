import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATION_PATHS } from "../../src/config/migration-folders.js";
import { envsync, repoRoot } from "../helpers/cli.js";

function filesUnder(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(repoRoot, join(entry.parentPath, entry.name)));
}

const docs = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", ...filesUnder("docs")];

describe("the documentation", () => {
  it("never points outside the repository, which users do not have", () => {
    const offenders = [...filesUnder("src"), ...docs].filter((file) =>
      /\.\.\/shared|\bshared\/(docs|gitlab)\b/.test(readFileSync(join(repoRoot, file), "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  it("links only to files that exist", () => {
    const broken: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(repoRoot, dirname(file), target!))) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("lists every command in the README and in docs/commands.md", async () => {
    const help = (await envsync("--help")).out;
    const commandList = help.slice(help.indexOf("Commands:"));
    const commands = [...commandList.matchAll(/^ {2}([a-z-]+) \[options\]/gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== "help");
    expect(commands).toContain("drift");
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const reference = readFileSync(join(repoRoot, "docs/commands.md"), "utf8");
    for (const command of commands) {
      expect(readme, command).toContain(`\`envsync ${command}`);
      expect(reference, command).toMatch(new RegExp(`\\| \`${command}\\b`));
    }
  });

  it("lists every default migration path in docs/configuration.md", () => {
    const reference = readFileSync(join(repoRoot, "docs/configuration.md"), "utf8");
    for (const glob of DEFAULT_MIGRATION_PATHS) expect(reference, glob).toContain(`\`${glob}\``);
  });

  it("gives the set-up as the two commands CI and a newcomer run", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const setup = /## Set-up[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const lines = setup.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^npm test\b/);
    expect(readFileSync(join(repoRoot, ".ci/run"), "utf8")).toMatch(/^npm test$/m);
  });

  it("runs EnvSync only as installed, never by a bare package name anyone can register", () => {
    const risky: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const line of text.split("\n")) {
        // `npx envsync` downloads whatever holds the name when no EnvSync is installed; an install
        // names a release URL, or the registry of the project that releases EnvSync.
        if (/\bnpx (?!--no\b)(?:-\S+ )*envsync\b/.test(line)) risky.push(`${file}: ${line.trim()}`);
        if (
          /\bnpm (?:i|install)\b.*\benvsync(?:@[\w.]+)?(?:\s|$)/.test(line) &&
          !/https:\/\/|--registry "\S+\/projects\//.test(line)
        )
          risky.push(`${file}: ${line.trim()}`);
      }
    }
    expect(risky).toEqual([]);
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const version = (
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    // The install line names this version's release file, as the release pipeline uploads it.
    expect(readme).toContain(
      `npm install --save-dev --ignore-scripts https://gitlab.com/envsync/envsync/-/releases/v${version}/downloads/envsync-v${version}.tgz`,
    );
    const pipeline = readFileSync(join(repoRoot, ".gitlab-ci.yml"), "utf8");
    expect(pipeline).toContain('direct_asset_path: "/envsync-$CI_COMMIT_TAG.tgz"');
  });
});
