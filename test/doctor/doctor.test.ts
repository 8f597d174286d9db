import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DoctorReport } from "../../src/doctor/doctor.js";
import { parseDiagnosis } from "../../src/rollback/auto.js";
import { envsyncIn, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

const RUNNER =
  "Running with gitlab-runner 18.5.0\nsection_start:1700000000:prepare_script\r\x1b[0KPreparing environment\nsection_end:1700000001:prepare_script\r\x1b[0K\n$ npm ci\nadded 312 packages\n";

describe("envsync doctor against the stand-in", () => {
  let standin: GitLabStandin;
  let repo: TestRepo;
  let projectId: number;
  beforeEach(async () => {
    standin = await new GitLabStandin().start();
    attachRepositoryRoutes(standin);
    repo = new TestRepo();
    repo.commit("base", {
      "src/calc.js": "add\n",
      ".gitlab-ci.yml": "test:\n  script: npm test\n",
    });
    repo.git("branch", "-M", "staging");
    repo.git("branch", "main");
    projectId = standin.state.addProject("acme/shop").id;
    standin.state.repositories.set(projectId, repo.dir);
  });
  afterEach(() => standin.stop());

  const YAML =
    "version: 1\nproject: acme/shop\nenvironments:\n  staging: { branch: staging }\n  production: { branch: main }\n";
  const pipeline = (id: number, ref: string, sha: string, status: string) =>
    standin.state.pipelines.push({
      projectId,
      id,
      iid: id,
      ref,
      sha,
      status,
      createdAt: `2026-11-2${id % 10}T10:00:00Z`,
    });
  const job = (pipelineId: number, status: string, log: string) =>
    standin.state.jobs.push({
      projectId,
      id: pipelineId * 10,
      pipelineId,
      name: "test",
      stage: "test",
      status,
      log,
    });

  async function doctor(pipelineId: number): Promise<DoctorReport> {
    const config = join(tempDir(), "envsync.yaml");
    writeFileSync(config, YAML);
    const { code, out, err } = await envsyncIn(
      { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
      ...["doctor", "-c", config, "--pipeline", String(pipelineId), "--json"],
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    return JSON.parse(out) as DoctorReport;
  }

  it("traces a failure to the code change since the last green run", async () => {
    const green = repo.head();
    repo.commit("Change calc", {
      "src/calc.js": "add broken\n",
      ".gitlab-ci.yml": "test:\n  script: npm test -- --ci $COVERAGE_FLAGS\n",
    });
    pipeline(1, "staging", green, "SUCCESS");
    pipeline(2, "staging", repo.head(), "FAILED");
    pipeline(3, "main", green, "SUCCESS");
    job(
      2,
      "failed",
      `${RUNNER}FAIL src/calc.js\n  expected 3, got 4\nERROR: Job failed: exit code 1\n`,
    );
    const report = await doctor(2);
    expect(report.pipeline).toMatchObject({ id: 2, ref: "staging", environment: "staging" });
    expect(report.failed_jobs[0]).toMatchObject({
      name: "test",
      first_error: { text: "FAIL src/calc.js", marker: "jest/vitest" },
    });
    expect(report.last_green).toMatchObject({ pipeline_id: 1, sha: green });
    expect(report.changes_since_green).toMatchObject({
      ci_config: [".gitlab-ci.yml"],
      other: ["src/calc.js"],
      variables: { added: ["COVERAGE_FLAGS"], removed: [] },
    });
    expect(report.changes_since_green!.commits.map((c) => c.title)).toEqual(["Change calc"]);
    expect(report.compared).toEqual([
      {
        environment: "production",
        branch: "main",
        last_green: { pipeline_id: 3, sha: green },
        contains_failing_commit: false,
      },
    ]);
    expect(report.hypotheses[0]).toMatchObject({
      kind: "code",
      confidence: 0.85,
      evidence: ["the error names src/calc.js, changed since green"],
    });
    expect(report.verdict).toBe("code");
    expect(report.suspects).toEqual({
      commits: [{ sha: repo.head(), title: "Change calc" }],
      confidence: 0.85,
      cause: report.hypotheses[0]!.cause,
    });
  });

  it("--output writes the diagnosis as JSON for `rollback --after-diagnosis`, with no shell to redirect", async () => {
    const green = repo.head();
    repo.commit("Change calc", { "src/calc.js": "add broken\n" });
    pipeline(1, "staging", green, "SUCCESS");
    pipeline(2, "staging", repo.head(), "FAILED");
    job(2, "failed", `${RUNNER}FAIL src/calc.js\nERROR: Job failed: exit code 1\n`);
    const dir = tempDir();
    const config = join(dir, "envsync.yaml");
    writeFileSync(config, YAML);
    const file = join(dir, "out", "diagnosis.json");
    const env = testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url });
    const run = (...extra: string[]) =>
      envsyncIn({ env }, "doctor", "-c", config, "--pipeline", "2", ...extra);
    const { code, out } = await run("--output", file, "--json");
    expect(code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(out);
    const diagnosis = parseDiagnosis(readFileSync(file, "utf8"), file);
    expect(diagnosis.suspects?.commits).toEqual([{ sha: repo.head(), title: "Change calc" }]);
    // Without --json the terminal gets the summary, the file still the JSON.
    rmSync(file);
    expect((await run("--output", file)).out).toMatch(/^pipeline 2 on staging/);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ pipeline: { id: 2 } });
    // The screen writes no diagnosis.
    const screen = await run("--screen", "--output", file, "--json");
    expect(screen.code).toBe(2);
    expect(screen.out + screen.err).toMatch(/--output.*cannot be used with.*--screen/);
  });

  it("calls it the environment when the same commit passed before and the log shows a refused connection", async () => {
    pipeline(1, "staging", repo.head(), "SUCCESS");
    pipeline(2, "staging", repo.head(), "FAILED");
    job(2, "failed", `${RUNNER}Error: connect ECONNREFUSED 10.0.0.5:5432\n`);
    const report = await doctor(2);
    expect(report.changes_since_green!.commits).toEqual([]);
    expect(report.hypotheses[0]!.kind).toBe("environment");
    expect(report.verdict).toBe("environment");
    expect(report.suspects).toBeNull();
  });
});
