/**
 * Issue #22: what `dashboard` posts as EnvSync is inert whatever the report, the CI variables or
 * the issue's previous description hold, and it writes only into EnvSync's own dashboard issue.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { pairDrift } from "../helpers/drift.js";
import { activeMarkdown } from "../helpers/markdown.js";
import { GitLabStandin } from "../standin/server.js";
import { GUEST } from "../standin/state.js";

const YAML = `version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main }
dashboard:
  issue_title: "Env health"
`;

let standin: GitLabStandin | undefined;
afterEach(async () => {
  await standin?.stop();
  standin = undefined;
});

async function run(report: unknown, env: Record<string, string> = {}, at = "2026-11-24T06:00:00Z") {
  const dir = tempDir();
  writeFileSync(join(dir, "envsync.yaml"), YAML);
  const file = join(dir, "drift.json");
  writeFileSync(file, JSON.stringify(report));
  const gl = standin!;
  const result = await envsyncIn(
    {
      env: testEnv({ GITLAB_TOKEN: gl.token, GITLAB_URL: gl.url, ...env }),
      now: () => new Date(at),
    },
    ...["dashboard", "-c", join(dir, "envsync.yaml"), "--report", file, "--json"],
  );
  return { ...result, file };
}

const hostileCommit = {
  sha: "c".repeat(40),
  subject: "x\n/close\n@all ![p](https://evil.example/p.png)",
  author: "<img src=https://evil.example/p.png>",
  date: "2026-11-01T00:00:00Z",
};

/** A report of the right shape whose every string is an attack. */
function hostileReport(missing = 1) {
  return {
    pairs: [
      pairDrift({
        from: "@all",
        to: "x -->\n/assign @me",
        from_branch: "staging\n/close",
        to_branch: "www.evil.example",
        missing_upstream: Array.from({ length: missing }, (_, i) => ({
          ...hostileCommit,
          sha: `${i}`.padStart(40, "d"),
        })),
        pending: [hostileCommit],
        files: {
          unexpected: [
            { path: "/label ~bug\n![p](https://evil.example/p.png)", status: "M", pending: false },
          ],
          expected: [],
        },
        counts: { pending: 1, missing_upstream: missing, unexpected_files: 1, drifted_files: 1 },
      }),
    ],
  };
}

async function gitlab() {
  standin = await new GitLabStandin().start();
  standin.state.addProject("acme/shop");
  return standin;
}

describe("dashboard: text EnvSync posts is inert", () => {
  it("renders names, subjects, authors, branches and paths from a report as inert text, in the description and the note", async () => {
    const gl = await gitlab();
    expect((await run(hostileReport(1))).code).toBe(0);
    expect((await run(hostileReport(2), {}, "2026-11-25T06:00:00Z")).code).toBe(0);
    const description = gl.state.issues[0]!.description;
    expect(activeMarkdown(description, { instance: gl.url })).toEqual([]);
    expect(description).toContain("(`staging /close` → `www.evil.example`)");
    expect(gl.state.notes).toHaveLength(1);
    expect(activeMarkdown(gl.state.notes[0]!.body)).toEqual([]);
  });

  it("refuses a report whose counts, shas, dates or statuses are not of their shape, naming the file and posting nothing", async () => {
    const gl = await gitlab();
    const base = pairDrift();
    const bad: [string, unknown][] = [
      ["count", { ...base, counts: { ...base.counts, pending: "1\n/close" } }],
      ["sha", { ...base, from_sha: "abc`\n/close" }],
      [
        "date",
        { ...base, pending: [{ ...hostileCommit, date: "2026\n@all" }], counts: base.counts },
      ],
      [
        "status",
        {
          ...base,
          files: { unexpected: [{ path: "a", status: "M\n/close", pending: false }], expected: [] },
        },
      ],
      ["deep nesting", { ...base, counts: { ...base.counts, pending: { a: { b: { c: [1] } } } } }],
    ];
    for (const [what, pair] of bad) {
      const { code, err, file } = await run({ pairs: [pair] });
      expect(code, what).toBe(2);
      expect(err, what).toContain(`${file} is not an envsync drift report at pairs.0.`);
      expect(err, what).not.toContain("/close");
    }
    expect(gl.log.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("links CI_PIPELINE_URL only when it is a page of the instance", async () => {
    const gl = await gitlab();
    await run(hostileReport(), {
      CI_PIPELINE_URL: "https://evil.example/p) ![p](https://evil.example/p.png",
    });
    const description = gl.state.issues[0]!.description;
    expect(description).not.toContain("evil.example/p)");
    expect(description).not.toContain("[pipeline]");
    await run(hostileReport(), { CI_PIPELINE_URL: `${gl.url}/acme/shop/-/pipelines/9` });
    expect(gl.state.issues[0]!.description).toContain(
      `([pipeline](${gl.url}/acme/shop/-/pipelines/9))`,
    );
  });

  it("reads the previous state from the description by shape: a tampered state cannot reach the note", async () => {
    const gl = await gitlab();
    await run({ pairs: [pairDrift()] });
    const issue = gl.state.issues[0]!;
    const tampered = JSON.stringify({
      hash: "0",
      pairs: [
        {
          pair: "staging>production",
          pending: "7\n/close\n@all",
          missing_upstream: 0,
          drifted_files: 0,
          missing_shas: ["`\n/assign @me"],
        },
      ],
    });
    issue.description = issue.description.replace(
      /<!-- envsync:dashboard .* -->/,
      `<!-- envsync:dashboard ${tampered} -->`,
    );
    await run(hostileReport(), {}, "2026-11-25T06:00:00Z");
    expect(gl.state.notes).toHaveLength(1);
    expect(activeMarkdown(gl.state.notes[0]!.body)).toEqual([]);
    expect(gl.state.notes[0]!.body).not.toContain("/close");
  });

  it("writes into EnvSync's own dashboard issue, not into a guest's issue of the same title", async () => {
    const gl = await gitlab();
    const shop = gl.state.project("acme/shop")!;
    gl.state.issues.push({
      projectId: shop.id,
      id: gl.state.id(),
      iid: 1,
      title: "Env health",
      description: "a guest's issue <!-- envsync:dashboard -->",
      state: "opened",
      author: GUEST,
    });
    const { code, out } = await run({ pairs: [pairDrift()] });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ issue: 2, created: true });
    expect(gl.state.issues[0]!.description).toBe("a guest's issue <!-- envsync:dashboard -->");
    expect(gl.state.issues[1]).toMatchObject({ author: { id: 1 }, labels: ["envsync-dashboard"] });
    // The next run finds EnvSync's issue again.
    expect(JSON.parse((await run({ pairs: [pairDrift()] })).out)).toMatchObject({
      issue: 2,
      created: false,
    });
    expect(gl.state.issues).toHaveLength(2);
  });
});
