import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordLine } from "../../src/gitlab/rollback-record.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

describe("envsync dashboard: rollbacks", () => {
  it("lists open and merged rollbacks and the commits they keep out, not closed ones", async () => {
    const repo = new TestRepo();
    repo.commit("base", { "a.txt": "a\n" });
    repo.git("branch", "-M", "staging");
    repo.git("branch", "main");
    standin = await new GitLabStandin().start();
    const project = standin.state.addProject("acme/shop");
    const bad = "b".repeat(40);
    for (const [iid, state, undone] of [
      [7, "merged", bad],
      [8, "closed", "c".repeat(40)],
    ] as const)
      standin.state.mergeRequests.push({
        projectId: project.id,
        id: standin.state.id(),
        iid,
        source_branch: `envsync/rollback/production-0000000${iid}`,
        target_branch: "main",
        title: "Roll back production",
        description: recordLine({
          version: 1,
          environment: "production",
          target: "1".repeat(40),
          deployed: "2".repeat(40),
          undone: [{ sha: undone, picked_from: [] }],
        }),
        labels: ["envsync-rollback"],
        state,
      });
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const { code } = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
      ...["dashboard", "-c", config, "-C", repo.dir, "--json"],
    );
    expect(code).toBe(0);
    const description = standin.state.issues[0]!.description;
    expect(description).toContain("### Rollbacks (1)");
    expect(description).toContain(
      `| production | [!7](${standin.url}/acme/shop/-/merge_requests/7) | merged | \`2222222222\` → \`1111111111\` | 1 |`,
    );
    expect(description).toContain(`- production (!7): \`${bad.slice(0, 10)}\``);
    expect(description).not.toContain("cccccccccc");
  });
});
