import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsync, envsyncIn, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

function repoWith(...branches: string[]): TestRepo {
  const repo = new TestRepo();
  repo.commit("base");
  for (const b of branches) repo.git("branch", b);
  return repo;
}

describe("envsync init", () => {
  it("writes, with --yes, a commented envsync.yaml that validate accepts", async () => {
    const repo = repoWith("staging", "main");
    const result = await envsync("init", "-C", repo.dir, "--yes");
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      "dev (develop) → staging (staging) → production (main, protected)",
    );
    const file = join(repo.dir, "envsync.yaml");
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^# envsync.yaml, written by `envsync init`/);
    expect(text).toContain("production: { branch: main, protected: true }");
    const validated = await envsync("validate", "-c", file, "--json");
    expect(JSON.parse(validated.out).config.promotion.chain).toEqual([
      "dev",
      "staging",
      "production",
    ]);
  });

  it("writes the migration folders the repository has into rollback.migrations.paths", async () => {
    const repo = new TestRepo();
    repo.commit("base", {
      "db/migrations/20240101120000_init.sql": "-- migrate:up\nCREATE TABLE users (id int);\n",
      "shop/migrations/__init__.py": "",
      "shop/migrations/0001_initial.py": "class Migration(migrations.Migration):\n    pass\n",
      "src/Shop/Migrations/20240101120000_Init.cs": "partial class Init : Migration { }\n",
      "src/app.py": "print('hello')\n",
    });
    repo.git("branch", "main");
    const result = await envsync("init", "-C", repo.dir, "--yes");
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      "; migrations in db/migrations/** (dbmate, goose, golang-migrate), shop/migrations/[0-9]*.py (Django), src/Shop/Migrations/*.cs (EF Core)",
    );
    const file = join(repo.dir, "envsync.yaml");
    expect(readFileSync(file, "utf8")).toContain(
      "rollback:\n" +
        "  # The migration folders in the repository. rollback-check classifies the migrations\n" +
        "  # changed in them, and reports changed files elsewhere that look like migrations.\n" +
        "  migrations:\n" +
        "    paths:\n" +
        "      - db/migrations/** # dbmate, goose, golang-migrate\n" +
        "      - shop/migrations/[0-9]*.py # Django\n" +
        "      - src/Shop/Migrations/*.cs # EF Core\n",
    );
    const validated = await envsync("validate", "-c", file, "--json");
    expect(JSON.parse(validated.out).config.rollback.migrations.paths).toEqual([
      "db/migrations/**",
      "shop/migrations/[0-9]*.py",
      "src/Shop/Migrations/*.cs",
    ]);
  });

  it("leaves rollback.migrations.paths to its default when the repository has no migrations", async () => {
    const repo = repoWith("staging", "main");
    const result = await envsync("init", "-C", repo.dir, "--dry-run", "--json");
    expect(JSON.parse(result.out).migrations).toEqual([]);
    const text = (await envsync("init", "-C", repo.dir, "--dry-run")).out;
    expect(text).not.toMatch(/^rollback:/m);
  });

  it("in a clone with nothing checked out, finds the migration folders on the last branch", async () => {
    const upstream = new TestRepo();
    upstream.commit("base", { "db/migrate/20240101_create_users.rb": "create_table :users\n" });
    for (const b of ["staging", "main"]) upstream.git("branch", b);
    const clone = new TestRepo();
    clone.git("remote", "add", "origin", upstream.dir);
    clone.git("fetch", "-q", "origin");
    const result = await envsync("init", "-C", clone.dir, "--dry-run", "--json");
    expect(JSON.parse(result.out).migrations).toEqual([
      { path: "db/migrate/**", frameworks: "Rails" },
    ]);
  });

  it("reads branches that exist only on origin", async () => {
    const upstream = repoWith("qa", "prod");
    const clone = new TestRepo();
    clone.git("remote", "add", "origin", upstream.dir);
    clone.git("fetch", "-q", "origin");
    const result = await envsync("init", "-C", clone.dir, "--dry-run", "--json");
    expect(JSON.parse(result.out).environments.map((e: { branch: string }) => e.branch)).toEqual([
      "develop",
      "qa",
      "prod",
    ]);
  });

  it("never overwrites an existing file", async () => {
    const repo = repoWith("staging", "main");
    const file = join(repo.dir, "envsync.yaml");
    writeFileSync(file, "# mine\n");
    const result = await envsync("init", "-C", repo.dir, "--yes");
    expect(result.code).toBe(1);
    expect(result.err).toContain("exists; init never overwrites a file");
    expect(readFileSync(file, "utf8")).toBe("# mine\n");
  });

  it("shows the file and asks on a terminal; writes only on yes", async () => {
    const repo = repoWith("staging", "main");
    const questions: string[] = [];
    const no = await envsyncIn(
      { ask: (q) => (questions.push(q), Promise.resolve(false)) },
      ...["init", "-C", repo.dir],
    );
    expect(no.out).toContain("environments:");
    expect(questions).toEqual([`Write ${join(repo.dir, "envsync.yaml")}? [y/N] `]);
    expect(existsSync(join(repo.dir, "envsync.yaml"))).toBe(false);
    const yes = await envsyncIn({ ask: () => Promise.resolve(true) }, "init", "-C", repo.dir);
    expect(yes.code).toBe(0);
    expect(existsSync(join(repo.dir, "envsync.yaml"))).toBe(true);
  });

  it("without a terminal or --yes, prints the file and writes nothing", async () => {
    const repo = repoWith("staging", "main");
    const result = await envsync("init", "-C", repo.dir);
    expect(result.out).toContain("version: 1");
    expect(result.err).toContain("not written; run again with --yes");
    expect(existsSync(join(repo.dir, "envsync.yaml"))).toBe(false);
  });

  it("says what is missing when the branches follow no layout", async () => {
    const repo = new TestRepo();
    repo.commit("base");
    repo.git("branch", "-m", "trunk");
    const result = await envsync("init", "-C", repo.dir, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "no-layout" } });
  });

  it("uses GitLab's protected branches and environment names when a token is set", async () => {
    standin = await new GitLabStandin().start();
    const project = standin.state.addProject("acme/shop");
    standin.route("GET", /^\/api\/v4\/projects\/[^/]+\/protected_branches$/, () => ({
      status: 200,
      body: [
        { id: 1, name: "release/*" },
        { id: 2, name: "main" },
      ],
    }));
    standin.route("GET", /^\/api\/v4\/projects\/[^/]+\/environments$/, () => ({
      status: 200,
      body: [{ id: 1, name: "live", state: "available" }],
    }));
    const repo = repoWith("release/3.1", "main");
    const result = await envsyncIn(
      {
        env: testEnv({
          GITLAB_TOKEN: standin.token,
          GITLAB_URL: standin.url,
          CI_PROJECT_PATH: "acme/shop",
        }),
      },
      ...["init", "-C", repo.dir, "--dry-run", "--json"],
    );
    expect(JSON.parse(result.out)).toMatchObject({
      gitlab: true,
      environments: [
        { name: "dev", branch: "develop", protected: false },
        { name: "release", branch: "release/3.1", protected: true },
        { name: "production", branch: "main", protected: true, gitlab_environment: "live" },
      ],
    });
    expect(project.id).toBeGreaterThan(0);
  });
  it.each(["http", "https"] as const)(
    "sends GITLAB_TOKEN to no host only an %s origin remote names, and says to set GITLAB_URL",
    async (scheme) => {
      standin = await new GitLabStandin().start();
      standin.state.addProject("acme/shop");
      const repo = repoWith("main");
      // The stand-in listens on http; an https origin on its port is refused before any request.
      const host = standin.url.replace(/^http:/, `${scheme}:`);
      repo.git("remote", "add", "origin", `${host}/acme/shop.git`);
      const result = await envsyncIn(
        { env: testEnv({ GITLAB_TOKEN: standin.token }) },
        ...["init", "-C", repo.dir, "--dry-run", "--json"],
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.out)).toMatchObject({ gitlab: false });
      expect(result.err).toContain("GitLab not read");
      expect(result.err).toContain(`export GITLAB_URL=${host.replace(/^http:/, "https:")}`);
      expect(standin.log).toHaveLength(0);
    },
  );

  it("reads GitLab's environments and protected branches by shape: an object, [null] or a non-string name is GitLab's error, not a bug (#22)", async () => {
    for (const body of [{ name: "live" }, [null], [{ id: 1, name: 5 }], "<html>"]) {
      standin = await new GitLabStandin().start();
      standin.state.addProject("acme/shop");
      standin.route("GET", /^\/api\/v4\/projects\/[^/]+\/environments$/, () => ({
        status: 200,
        body,
      }));
      const repo = repoWith("staging", "main");
      const result = await envsyncIn(
        {
          env: testEnv({
            GITLAB_TOKEN: standin.token,
            GITLAB_URL: standin.url,
            CI_PROJECT_PATH: "acme/shop",
          }),
        },
        ...["init", "-C", repo.dir, "--dry-run", "--json"],
      );
      expect(result.code, JSON.stringify(body)).toBe(0);
      expect(result.err).toMatch(
        /GitLab not read \(GitLab GET \/(api\/v4\/projects\/acme%2Fshop|projects\/:id)\/environments: (unexpected answer|the answer is not JSON)/,
      );
      expect(result.err).not.toContain("bug");
      expect(JSON.parse(result.out)).toMatchObject({ gitlab: false });
      await standin.stop();
      standin = undefined;
    }
  });
});
