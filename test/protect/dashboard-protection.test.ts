import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin, type StandinOptions } from "../standin/server.js";

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging, risk: medium }
  production: { branch: main, risk: high }
dashboard:
  issue_title: "Env health"
  author: ada
`;

async function dashboard(options: StandinOptions = {}) {
  standin = await new GitLabStandin(options).start();
  const project = standin.state.addProject("acme/shop");
  const dir = tempDir();
  writeFileSync(join(dir, "envsync.yaml"), YAML);
  // An empty drift report: the dashboard's protection section is what this is about.
  writeFileSync(join(dir, "drift.json"), JSON.stringify({ mode: "local", pairs: [] }));
  const run = () =>
    envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin!.token, GITLAB_URL: standin!.url }) },
      ...["dashboard", "-c", join(dir, "envsync.yaml"), "-C", dir],
      ...["--report", join(dir, "drift.json"), "--json"],
    );
  return { standin, project, run };
}

describe("the dashboard's protection section", () => {
  it("shows where GitLab's protection differs from envsync.yaml, field by field, changing nothing", async () => {
    const { standin: s, project, run } = await dashboard();
    s.protection.addBranch(project.id, "staging", { push: [40], merge: [30] });
    s.protection.addBranch(project.id, "main", { push: [30], merge: [40] });
    s.protection.addBranch(project.id, "ma*", { push: [30], merge: [30] });
    const result = await run();
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const description = s.state.issues[0]!.description;
    expect(description).toContain("### Protection in GitLab");
    expect(description).toContain(
      "| production | `protected branch main` | push | `developers` | `no one` |",
    );
    expect(description).toContain("the wildcard rule ma* also covers main");
    // The section comes before the hidden state, which stays the description's last line.
    expect(description.trimEnd().split("\n").at(-1)).toMatch(/^<!-- envsync:dashboard /);
    expect(s.protection.history).toEqual([]);
  });

  it("says protection is in line, and says so when the token may not read it", async () => {
    const { standin: s, project, run } = await dashboard({ tier: "free" });
    s.protection.addBranch(project.id, "staging", { push: [40], merge: [30] });
    s.protection.addBranch(project.id, "main", { push: [0], merge: [40] });
    await run();
    expect(s.state.issues[0]!.description).toContain("In line with envsync.yaml.");
    s.fail({ method: "GET", path: /protected_branches$/, respond: { status: 403 } });
    await run();
    expect(s.state.issues[0]!.description).toMatch(/Not read: `forbidden \(403\).*Maintainer/);
  });
});
