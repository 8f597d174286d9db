import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { GitLabStandin } from "../standin/server.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true }
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

describe("envsync conflict-check (the conflict resolver's first step)", () => {
  it("acts only on an open merge request into an environment branch that has conflicts", async () => {
    const gl = (standin = await new GitLabStandin().start());
    const shop = gl.state.addProject("acme/shop");
    const token = "flow-job-oauth-token-5678";
    gl.addToken({ value: token, kind: "oauth", scopes: ["ai_workflows", "mcp"] });
    const mr = (iid: number, target: string, state: string, hasConflicts: boolean) => ({
      projectId: shop.id,
      id: gl.state.id(),
      iid,
      source_branch: `topic-${iid}`,
      target_branch: target,
      title: "t",
      description: "",
      labels: [],
      state,
      hasConflicts,
    });
    gl.state.mergeRequests.push(
      mr(1, "staging", "opened", true),
      mr(2, "feature/x", "opened", true),
      mr(3, "staging", "opened", false),
      mr(4, "main", "merged", true),
    );
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const env = testEnv({ GITLAB_TOKEN: token, GITLAB_URL: gl.url });
    const check = async (iid: number) => {
      const result = await envsyncIn(
        { env },
        "conflict-check",
        "--merge-request",
        String(iid),
        "--json",
        "-c",
        config,
      );
      const answer = JSON.parse(result.out) as { decision: string; reason: string };
      return [result.code, answer.decision, answer.reason];
    };
    expect(await check(1)).toEqual([0, "resolve", "!1 into staging (staging) has conflicts"]);
    expect(await check(2)).toEqual([3, "skip", "!2 targets feature/x, not an environment branch"]);
    expect(await check(3)).toEqual([3, "skip", "!3 has no conflicts"]);
    expect(await check(4)).toEqual([3, "skip", "!4 is merged, not open"]);
  });
});
