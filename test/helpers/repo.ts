import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./cli.js";

/**
 * A real git repository in a temp directory, built step by step in a test so the reader sees the
 * situation. Author and committer dates advance one minute per commit, so histories are
 * reproducible.
 */
export class TestRepo {
  private clock = Date.UTC(2026, 9, 1, 9, 0, 0) / 1000;

  constructor(readonly dir: string = tempDir("envsync-repo-")) {
    this.git("init", "-q", "-b", "develop");
    this.git("config", "user.name", "Dev One");
    this.git("config", "user.email", "dev1@example.com");
    this.git("config", "commit.gpgsign", "false");
  }

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  }

  /** Runs git and returns its exit code instead of throwing (for conflicts). */
  tryGit(...args: string[]): number {
    try {
      execFileSync("git", args, { cwd: this.dir, env: this.env(), stdio: "ignore" });
      return 0;
    } catch (error) {
      return (error as { status: number }).status;
    }
  }

  private env(): NodeJS.ProcessEnv {
    const date = `${this.clock} +0000`;
    return {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: this.dir,
    };
  }

  write(files: Record<string, string | null>): void {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
  }

  /** Writes files and commits them; returns the new commit's SHA. */
  commit(
    message: string,
    files: Record<string, string | null> = {},
    author?: { name: string; email: string },
  ): string {
    this.clock += 60;
    this.write(files);
    this.git("add", "-A");
    const args = ["commit", "-q", "--allow-empty", "-m", message];
    if (author) args.push(`--author=${author.name} <${author.email}>`);
    this.git(...args);
    return this.git("rev-parse", "HEAD");
  }

  checkout(branch: string, create?: { from: string }): void {
    if (create) this.git("checkout", "-q", "-b", branch, create.from);
    else this.git("checkout", "-q", branch);
  }

  /** A clean cherry-pick onto the current branch (with the -x trailer unless asked not to). */
  pick(sha: string, options: { trailer?: boolean } = {}): string {
    this.clock += 60;
    this.git("cherry-pick", ...(options.trailer === false ? [] : ["-x"]), sha);
    return this.git("rev-parse", "HEAD");
  }

  /**
   * A cherry-pick that conflicts, resolved by writing `resolution`; the patch that lands differs from
   * the original. Without `trailer`, the message loses its "(cherry picked from ...)" line, as when
   * someone edits it while resolving.
   */
  pickWithConflict(
    sha: string,
    resolution: Record<string, string>,
    options: { trailer: boolean },
  ): string {
    this.clock += 60;
    const code = this.tryGit("cherry-pick", ...(options.trailer ? ["-x"] : []), sha);
    if (code === 0) throw new Error("expected the cherry-pick to conflict");
    this.write(resolution);
    this.git("add", "-A");
    this.git("-c", "core.editor=true", "cherry-pick", "--continue");
    return this.git("rev-parse", "HEAD");
  }

  head(): string {
    return this.git("rev-parse", "HEAD");
  }
}

export const CONFIG_3ENV = `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main, protected: true }
drift:
  expected:
    - paths: ["config/settings.*.yml"]
      between: [staging, production]
      reason: per-environment settings
  ignore: ["**/*.md"]
`;
