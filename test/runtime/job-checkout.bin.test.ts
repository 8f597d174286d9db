// Where a GitLab Duo flow runs EnvSync: a shallow checkout of one ref, without the environment
// branches, the job's environment, GitLab (the stand-in) as the only network peer. Commands that
// need history fetch exactly the branches they read; the ones that cannot read a clone ask GitLab.
import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Env } from "../../src/context.js";
import { envsyncIn, repoRoot, spawnEnvsync, tempDir, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachGitHttp, type GitHttpLog } from "../standin/git-http.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { GitLabStandin } from "../standin/server.js";

const execFileAsync = promisify(execFile);

const YAML = `version: 1
environments:
  dev: { branch: develop }
  staging: { branch: staging }
  production: { branch: main, protected: true }
rollback:
  auto: { environments: [staging] }
`;

let standin: GitLabStandin;
let origin: TestRepo;
let job: string;
let config: string;

beforeEach(async () => {
  standin = await new GitLabStandin({ token: "oauth-of-the-flow", tokenKind: "oauth" }).start();
  attachRepositoryRoutes(standin);
  origin = new TestRepo();
  origin.commit("base", { "app.js": "1\n2\n3\n", "db/migrate/1_init.rb": "init\n" });
  origin.git("branch", "staging");
  origin.git("branch", "main");
  origin.commit("Feature", { "feature.js": "f\n" });
  standin.state.repositories.set(standin.state.addProject("acme/shop").id, origin.dir);
  // The job's checkout: one ref, one commit deep, no other branch.
  job = join(tempDir(), "job");
  execFileSync("git", [
    "clone",
    "-q",
    "--depth",
    "1",
    "--single-branch",
    "--branch",
    "develop",
    `file://${origin.dir}`,
    job,
  ]);
  execFileSync("git", ["config", "user.name", "Duo"], { cwd: job });
  execFileSync("git", ["config", "user.email", "duo@example.com"], { cwd: job });
  config = join(tempDir(), "envsync.yaml");
  writeFileSync(config, YAML);
});
afterEach(() => standin.stop());

/**
 * Two successful deployments of an environment: its branch head now, its first commit before. As
 * GitLab keeps them: a deployment each, and the pipeline whose deploy job (named in the branch's
 * .gitlab-ci.yml) made it, which is all a flow job's token may read of them.
 */
function deployedTwice(environment: string): void {
  const projectId = standin.state.project("acme/shop")!.id;
  const before = origin.git("rev-parse", environment);
  origin.checkout(environment);
  origin.commit(`Fix on ${environment}`, {
    "fix.js": "x\n",
    ".gitlab-ci.yml": `deploy-${environment}:\n  script: [./deploy]\n  environment:\n    name: ${environment}\n`,
  });
  origin.checkout("develop");
  const now = origin.git("rev-parse", environment);
  const deployments = [
    { iid: 1, sha: before, at: "2026-11-20T09:00:00Z" },
    { iid: 2, sha: now, at: "2026-11-23T09:00:00Z" },
  ];
  for (const d of deployments) {
    standin.state.deployments.push({
      projectId,
      id: standin.state.id(),
      iid: d.iid,
      environment,
      ref: environment,
      sha: d.sha,
      status: "SUCCESS",
      createdAt: d.at,
      finishedAt: d.at,
    });
    const pipelineId = standin.state.id();
    standin.state.pipelines.push({
      projectId,
      id: pipelineId,
      iid: d.iid,
      ref: environment,
      sha: d.sha,
      status: "SUCCESS",
      createdAt: d.at,
    });
    standin.state.jobs.push({
      projectId,
      id: standin.state.id(),
      pipelineId,
      name: `deploy-${environment}`,
      stage: "deploy",
      status: "success",
      log: "deployed\n",
      finishedAt: d.at,
    });
  }
}

/** A failed pipeline of the feature commit, with one failed job and its log, as GitLab keeps it. */
function failedPipeline(sha: string): number {
  const projectId = standin.state.project("acme/shop")!.id;
  const id = standin.state.id();
  standin.state.pipelines.push({
    projectId,
    id,
    iid: 1,
    ref: "develop",
    sha,
    status: "FAILED",
    createdAt: "2026-11-24T10:00:00Z",
  });
  standin.state.jobs.push({
    projectId,
    id: standin.state.id(),
    pipelineId: id,
    name: "test",
    stage: "test",
    status: "failed",
    log: "$ npm test\nFAIL src/app.test.js\nERROR: Job failed: exit code 1\n",
  });
  return id;
}

/** The documented environment of a flow's job, and nothing else of GitLab's. */
const jobEnv = () =>
  testEnv({
    GITLAB_TOKEN: "oauth-of-the-flow",
    GITLAB_BASE_URL: standin.url,
    GITLAB_PROJECT_PATH: "acme/shop",
    CI_PROJECT_PATH: "acme/shop",
  });

/**
 * Runs every command line the compiled flows tell the model to run, as the model runs it: in the
 * workspace, through the one file `envsync ci --write` commits, with the job's environment; each
 * must give the JSON its prompt describes, and the facts GitLab refuses the flow's token come
 * from what it may read.
 */
async function runFlowCommandLines(workspace: string, env: Env): Promise<void> {
  const lines = new Set<string>();
  for (const name of readdirSync(join(repoRoot, "flows")))
    for (const m of readFileSync(join(repoRoot, "flows", name), "utf8").matchAll(
      /`envsync ([^`]+) --json`/g,
    ))
      if (!m[1]!.includes("COMMAND")) lines.add(m[1]!);
  expect([...lines].map((l) => l.split(" ")[0]).sort()).toEqual([
    "cherry-pick",
    "cherry-pick",
    "conflict-check",
    "doctor",
    "doctor",
    "doctor",
    "drift",
    "drift",
    "promote",
    "rollback",
    "rollback",
    "rollback",
    "rollback-check",
    "status",
  ]);
  const feature = execFileSync("git", ["rev-parse", "HEAD"], {
    cwd: workspace,
    encoding: "utf8",
  }).trim();
  const pipelineId = failedPipeline(feature);
  deployedTwice("staging");
  copyFileSync(config, join(workspace, "envsync.yaml"));
  const values: Record<string, string> = {
    FROM: "dev",
    TO: "staging",
    ENV: "staging",
    SHA: feature,
    ID: String(pipelineId),
    IID: "1",
  };
  const shop = standin.state.project("acme/shop")!;
  standin.state.mergeRequests.push({
    projectId: shop.id,
    id: standin.state.id(),
    iid: 1,
    source_branch: "dev",
    target_branch: "staging",
    title: "Promote dev to staging",
    description: "",
    labels: [],
    state: "opened",
    hasConflicts: true,
  });
  // What each prompt says the JSON holds.
  const promised: Record<string, string[]> = {
    drift: ["pairs"],
    promote: ["pending", "gates", "allowed", "merge_request"],
    "cherry-pick": ["status", "picked", "skipped"],
    "rollback-check": ["risk", "reasons", "migrations"],
    rollback: ["status", "assessment", "plan", "merge_request"],
    // The rollback guardian's plan, and the pipeline doctor's automatic rollback (rollback.auto).
    "rollback --dry-run": ["status", "assessment", "plan"],
    "rollback --after-diagnosis": ["status", "assessment", "auto"],
    doctor: ["failed_jobs", "hypotheses", "verdict"],
    // The pipeline doctor's first step: the engine decides whether to diagnose.
    "doctor --screen": ["decision", "reason", "pipeline"],
    // The conflict resolver's first step, on a merge request GitLab's conflict trigger names.
    "conflict-check": ["decision", "reason", "merge_request"],
    status: ["projects"],
  };
  // EnvSync as the job has it: the one file `envsync ci --write` commits, put on PATH by the
  // setup script agent-config.yml gives (into a test directory instead of /usr/local/bin).
  // Nothing else: it is run from outside any node_modules.
  await envsyncIn({}, "ci", "-c", config, "-C", workspace, "--write");
  const bin = tempDir();
  const setup = (
    parse(readFileSync(join(workspace, ".gitlab", "duo", "agent-config.yml"), "utf8")) as {
      setup_script: string[];
    }
  ).setup_script.join("\n");
  execFileSync("sh", ["-c", setup.replaceAll("/usr/local/bin", bin)], { cwd: workspace });
  const reports = new Map<string, Record<string, unknown>>();
  for (const line of lines) {
    const args = line.split(" ").map((word) => values[word] ?? word);
    // As the model runs it: in the workspace, where the repository's envsync.yaml is.
    const result = await spawnEnvsync([...args, "--json"], {
      command: "envsync",
      cwd: workspace,
      env: { ...env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect([0, 3], `${line}: ${result.err}`).toContain(result.code);
    const report = JSON.parse(result.out) as Record<string, unknown>;
    const variant =
      args[0] === "rollback"
        ? args.find((a) => a === "--dry-run" || a === "--after-diagnosis")
        : undefined;
    const kind = args.includes("--screen")
      ? "doctor --screen"
      : variant
        ? `rollback ${variant}`
        : args[0]!;
    for (const key of promised[kind]!) expect(report, `${line} lacks ${key}`).toHaveProperty(key);
    reports.set(kind, report);
  }
  // The failed pipeline on the environment branch is one to diagnose, read with the flow's token.
  expect(reports.get("doctor --screen")).toMatchObject({ pipeline: pipelineId });
  expect(reports.get("conflict-check")).toMatchObject({ decision: "resolve", merge_request: 1 });
  // The promotion's source (dev) has no deploy job: its deployed gate is unknown, and the JSON
  // says where GitLab's facts had to come from.
  expect(reports.get("promote")).toMatchObject({
    deployments_from: { source: "deploy jobs", jobs: [] },
    gates: expect.arrayContaining([
      expect.objectContaining({ name: "deployed", status: "unknown" }),
    ]),
  });
  // GraphQL withholds the repository from the flow's token: status reads it over REST.
  expect(reports.get("status")).toMatchObject({
    projects: [{ project: "acme/shop", read_via: "rest", deployments_from: "deploy jobs" }],
  });
  // The rollback itself: the reverts pushed with the job's git credentials, the merge request
  // opened with its token; what is deployed comes from the deploy jobs.
  expect(reports.get("rollback")).toMatchObject({
    status: "reverted",
    assessment: { deployments_from: { source: "deploy jobs" } },
    merge_request: { action: "created" },
  });
  // The automatic rollback reads the diagnosis the doctor line wrote (`--output`, in the
  // workspace) with the flow's token, and does not act on a pipeline of another branch (nor
  // within the cool-down of the rollback above).
  expect(reports.get("rollback --after-diagnosis")).toMatchObject({
    status: "not rolled back",
    auto: {
      act: false,
      pipeline_id: pipelineId,
      reasons: expect.arrayContaining([
        `pipeline ${pipelineId} ran on develop, not on staging`,
      ]) as string[],
    },
  });
  // The guardian's dry run changes nothing: no second merge request.
  expect(
    standin.state.mergeRequests.filter((mr) => mr.source_branch.startsWith("envsync/rollback/")),
  ).toHaveLength(1);
  // GitLab refuses the flow's token the deployments API: what is deployed comes from the deploy
  // jobs it may read, and the JSON says so.
  expect(reports.get("rollback-check")).toMatchObject({
    deployed: { sha: origin.git("rev-parse", "staging"), source: "deployment" },
    target: { source: "previous deployment" },
    deployments_from: {
      source: "deploy jobs",
      jobs: ["deploy-staging"],
      reason: expect.stringContaining("insufficient") as string,
    },
  });
}

describe("EnvSync in a flow job's checkout", () => {
  it("drift asks GitLab instead of reading the shallow clone", async () => {
    const result = await envsyncIn({ env: jobEnv() }, "drift", "-c", config, "-C", job, "--json");
    expect(result.err).toContain("reading GitLab's API");
    const report = JSON.parse(result.out) as { mode: string; pairs: { pending: unknown[] }[] };
    expect(report.mode).toBe("api");
    expect(report.pairs[0]!.pending).toHaveLength(1);
  });

  it("rollback-check fetches the environment branch it reads, with its history", async () => {
    const result = await envsyncIn(
      { env: jobEnv() },
      ...[
        "rollback-check",
        "-c",
        config,
        "-C",
        job,
        "--env",
        "staging",
        "--to",
        "HEAD~0",
        "--json",
      ],
    );
    expect(result.err).not.toContain("shallow");
    expect(
      execFileSync("git", ["rev-parse", "--is-shallow-repository"], {
        cwd: job,
        encoding: "utf8",
      }).trim(),
    ).toBe("false");
    expect(execFileSync("git", ["branch", "-r"], { cwd: job, encoding: "utf8" })).toContain(
      "origin/staging",
    );
  });

  it("cherry-pick --mr fetches the target branch, pushes the pick and opens the MR through GitLab", async () => {
    const feature = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: job,
      encoding: "utf8",
    }).trim();
    const result = await envsyncIn(
      { env: jobEnv() },
      ...["cherry-pick", feature, "--to", "staging", "--mr", "-c", config, "-C", job, "--json"],
    );
    expect(result.err).toBe("");
    const report = JSON.parse(result.out) as {
      status: string;
      branch: string;
      merge_request: { iid: number };
    };
    expect(report.status).toBe("picked");
    expect(report.merge_request.iid).toBe(1);
    expect(origin.git("branch", "--list", report.branch)).toContain(report.branch);
    expect(standin.state.mergeRequests[0]).toMatchObject({ target_branch: "staging" });
  });

  it("runs every command line the compiled flows tell the model to run, each giving the JSON its prompt describes", async () => {
    await runFlowCommandLines(job, jobEnv());
  });
});

describe("EnvSync in a flow job's checkout cloned over HTTP", () => {
  // As GitLab sets them for a flow's job (Ci::Workloads: user "oauth", the flow's OAuth token).
  const GIT_USER = "oauth";
  let gitLog: GitHttpLog[];
  let remote: string;

  beforeEach(async () => {
    gitLog = attachGitHttp(standin, {
      user: GIT_USER,
      also: [{ user: "gitlab-ci-token", password: "ci-job-token-of-the-workload" }],
    });
    remote = `${standin.url}/acme/shop.git`;
    // Cloned with credentials for that one command, leaving none behind in the checkout: the
    // remote URL carries no password and no helper is configured. (Asynchronously: the stand-in
    // answering it runs in this process.)
    job = join(tempDir(), "job-http");
    const basic = Buffer.from(`${GIT_USER}:oauth-of-the-flow`).toString("base64");
    await execFileAsync("git", [
      ...["-c", `http.extraHeader=Authorization: Basic ${basic}`],
      ...["clone", "-q", "--depth", "1", "--single-branch", "--branch", "develop", remote, job],
    ]);
    execFileSync("git", ["config", "user.name", "Duo"], { cwd: job });
    execFileSync("git", ["config", "user.email", "duo@example.com"], { cwd: job });
    gitLog.length = 0;
  });

  const withGitCredentials = (baseUrl = standin.url) =>
    testEnv({
      ...jobEnv(),
      DUO_WORKFLOW_GIT_HTTP_BASE_URL: baseUrl,
      DUO_WORKFLOW_GIT_HTTP_USER: GIT_USER,
      DUO_WORKFLOW_GIT_HTTP_PASSWORD: "oauth-of-the-flow",
    });
  const rollbackCheck = (env: ReturnType<typeof testEnv>) =>
    envsyncIn(
      { env },
      ...["rollback-check", "-c", config, "-C", job, "--env", "staging", "--to", "HEAD~0"],
      "--json",
    );

  it("fetches with the job's git credentials (DUO_WORKFLOW_GIT_HTTP_*)", async () => {
    const result = await rollbackCheck(withGitCredentials());
    // It reads on past the fetch (HEAD is develop's head, not in staging's history).
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "target-not-ancestor" } });
    expect(execFileSync("git", ["branch", "-r"], { cwd: job, encoding: "utf8" })).toContain(
      "origin/staging",
    );
    expect(gitLog.some((r) => r.status === 200 && r.path.endsWith("/git-upload-pack"))).toBe(true);
    expect(result.out + result.err).not.toContain("oauth-of-the-flow");
    // Nothing of the credentials stays in the checkout's configuration.
    expect(readFileSync(join(job, ".git", "config"), "utf8")).not.toMatch(
      /oauth-of-the-flow|helper/,
    );
  });

  it("cherry-pick --mr pushes with them", async () => {
    const feature = execFileSync("git", ["rev-parse", "HEAD"], { cwd: job, encoding: "utf8" });
    const result = await envsyncIn(
      { env: withGitCredentials() },
      ...["cherry-pick", feature.trim(), "--to", "staging", "--mr", "-c", config, "-C", job],
      "--json",
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { branch: string };
    expect(origin.git("branch", "--list", report.branch)).toContain(report.branch);
    expect(gitLog.some((r) => r.status === 200 && r.path.endsWith("/git-receive-pack"))).toBe(true);
  });

  it("keeps them with git's own transfer: no hook a repository command plants runs, no other helper hears or stores them", async () => {
    // develop and staging both add package-lock.json: the pick runs the regenerate command.
    origin.checkout("staging");
    origin.commit("Staging lock", { "package-lock.json": "lock (staging)\n" });
    origin.checkout("develop");
    const feature = origin.commit("Bump deps", { "package-lock.json": "lock (dev)\n" });
    const checkout = join(tempDir(), "job-hooks");
    const basic = Buffer.from(`${GIT_USER}:oauth-of-the-flow`).toString("base64");
    await execFileAsync("git", [
      ...["-c", `http.extraHeader=Authorization: Basic ${basic}`],
      ...[
        "clone",
        "-q",
        "--depth",
        "1",
        "--single-branch",
        "--branch",
        "develop",
        remote,
        checkout,
      ],
    ]);
    for (const [key, value] of [
      ["user.name", "Duo"],
      ["user.email", "duo@example.com"],
    ])
      execFileSync("git", ["config", key!, value!], { cwd: checkout });
    // The user's own git keeps whatever it is told to store.
    const home = tempDir();
    writeFileSync(join(home, ".gitconfig"), "[credential]\n\thelper = store\n");
    // A hook that reads the environment, and configures a helper that writes down what it hears.
    const leak = join(tempDir(), "leak");
    const hook = join(tempDir(), "hook");
    writeFileSync(
      hook,
      `#!/bin/sh\nenv >> ${leak}\n` +
        `git config --file ${join(checkout, ".git", "config")} credential.helper '!f() { cat >> ${leak}; }; f'\n`,
    );
    const hooks = [
      "pre-push",
      "reference-transaction",
      "post-commit",
      "pre-commit",
      "post-checkout",
    ];
    const plant =
      `for h in ${hooks.join(" ")}; do cp ${hook} "$(git rev-parse --git-common-dir)/hooks/$h"; ` +
      `chmod +x "$(git rev-parse --git-common-dir)/hooks/$h"; done; echo lock v3 > package-lock.json`;
    const rules = join(tempDir(), "envsync.yaml");
    writeFileSync(
      rules,
      `${YAML}conflicts:\n  auto_resolve:\n    - paths: ["package-lock.json"]\n` +
        `      strategy: regenerate\n      command: ${JSON.stringify(plant)}\n`,
    );
    gitLog.length = 0;
    const result = await envsyncIn(
      { env: testEnv({ ...withGitCredentials(), HOME: home }) },
      ...["cherry-pick", feature, "--to", "staging", "--mr", "-c", rules, "-C", checkout, "--json"],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ status: "picked", merge_request: { iid: 1 } });
    // The hooks were planted, pushed past, and never ran.
    expect(existsSync(join(checkout, ".git", "hooks", "pre-push"))).toBe(true);
    expect(gitLog.some((r) => r.status === 200 && r.path.endsWith("/git-receive-pack"))).toBe(true);
    expect(existsSync(leak) ? readFileSync(leak, "utf8") : "").not.toContain("oauth-of-the-flow");
    expect(existsSync(leak)).toBe(false);
    // Nothing stored the password: not the user's store, not anything in the checkout.
    const stored = join(home, ".git-credentials");
    expect(existsSync(stored) ? readFileSync(stored, "utf8") : "").not.toContain(
      "oauth-of-the-flow",
    );
    expect(readFileSync(join(checkout, ".git", "config"), "utf8")).not.toContain(
      "oauth-of-the-flow",
    );
  });

  it("a fetch with them leaves nothing in the user's credential.helper=store", async () => {
    const home = tempDir();
    writeFileSync(join(home, ".gitconfig"), "[credential]\n\thelper = store\n");
    await rollbackCheck(testEnv({ ...withGitCredentials(), HOME: home }));
    expect(gitLog.some((r) => r.status === 200 && r.path.endsWith("/git-upload-pack"))).toBe(true);
    const stored = join(home, ".git-credentials");
    expect(existsSync(stored) ? readFileSync(stored, "utf8") : "").not.toContain(
      "oauth-of-the-flow",
    );
  });

  it("without them, says the fetch failed instead of hanging on a password prompt", async () => {
    const result = await rollbackCheck(jobEnv());
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "git-fetch-failed" } });
    expect(result.err).toMatch(
      /lacks the history of staging, and fetching it from origin failed: .*terminal prompts disabled/,
    );
    expect(gitLog.every((r) => r.status === 401)).toBe(true);
  });

  it("in a partial clone (blob:none), reads file contents on demand with the job's credentials", async () => {
    // The newer generation: every branch as origin/*, full history, no blob until it is read.
    origin.git("config", "uploadpack.allowFilter", "true");
    origin.git("config", "uploadpack.allowAnySHA1InWant", "true");
    origin.checkout("staging");
    origin.commit("Migration", { "db/migrate/2_drop.rb": "remove_column :users, :email\n" });
    origin.checkout("develop");
    const partial = join(tempDir(), "job-partial");
    const basic = Buffer.from(`${GIT_USER}:oauth-of-the-flow`).toString("base64");
    await execFileAsync("git", [
      ...["-c", `http.extraHeader=Authorization: Basic ${basic}`],
      ...["clone", "-q", "--filter=blob:none", "--no-checkout", remote, partial],
    ]);
    gitLog.length = 0;
    const run = (env: ReturnType<typeof testEnv>) =>
      envsyncIn(
        { env },
        ...["rollback-check", "-c", config, "-C", partial, "--env", "staging"],
        ...["--to", "origin/staging~1", "--json"],
      );
    // Without credentials, the blob fetch of the migration fails: git says so, nothing hangs.
    const refused = await run(jobEnv());
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/promisor|could not fetch|terminal prompts disabled/);
    const result = await run(withGitCredentials());
    expect(result.err).toBe("");
    const report = JSON.parse(result.out) as { migrations: { path: string }[] };
    expect(report.migrations.map((m) => m.path)).toEqual(["db/migrate/2_drop.rb"]);
    // The migration's blob came from origin, with the job's credentials.
    expect(gitLog.some((r) => r.status === 200 && r.credentials)).toBe(true);
    expect(result.out + result.err).not.toContain("oauth-of-the-flow");
    expect(readFileSync(join(partial, ".git", "config"), "utf8")).not.toMatch(
      /oauth-of-the-flow|helper/,
    );
    // Commands that carry the credentials run no hook: a hook planted in the clone never sees
    // them, however much git does (a worktree, commits, ref updates).
    const leak = join(tempDir(), "leak");
    for (const hook of ["post-checkout", "post-commit", "reference-transaction", "pre-commit"]) {
      const file = join(partial, ".git", "hooks", hook);
      writeFileSync(file, `#!/bin/sh\necho "$DUO_WORKFLOW_GIT_HTTP_PASSWORD" >> ${leak}\n`);
      chmodSync(file, 0o755);
    }
    const feature = origin.git("rev-parse", "develop");
    const pick = await envsyncIn(
      { env: withGitCredentials() },
      ...["cherry-pick", feature, "--to", "staging", "-c", config, "-C", partial, "--json"],
    );
    expect(JSON.parse(pick.out)).toMatchObject({ status: "picked" });
    expect(existsSync(leak)).toBe(false);
  });

  it.each(["older", "newer"] as const)(
    "runs every flow command line in the %s generation's checkout: blob:none, with GitLab's own credentials",
    async (generation) => {
      origin.git("config", "uploadpack.allowFilter", "true");
      origin.git("config", "uploadpack.allowAnySHA1InWant", "true");
      const workspace = join(tempDir(), `job-${generation}`);
      const basic = Buffer.from(`${GIT_USER}:oauth-of-the-flow`).toString("base64");
      const auth = ["-c", `http.extraHeader=Authorization: Basic ${basic}`];
      let env: Env;
      if (generation === "older") {
        // One commit of the workload ref, no branch, HEAD detached; origin carries the CI job
        // token in its URL, as GitLab sets it; no other credentials in the environment.
        const withToken = remote.replace("://", "://gitlab-ci-token:ci-job-token-of-the-workload@");
        await execFileAsync("git", [
          ...["clone", "-q", "--depth", "1", "--filter=blob:none", "--single-branch"],
          ...["--branch", "develop", withToken, workspace],
        ]);
        execFileSync("git", ["checkout", "-q", "--detach"], { cwd: workspace });
        execFileSync("git", ["update-ref", "-d", "refs/heads/develop"], { cwd: workspace });
        execFileSync("git", ["update-ref", "-d", "refs/remotes/origin/develop"], {
          cwd: workspace,
        });
        env = jobEnv();
      } else {
        // Full history, every branch as origin/*, the source branch checked out; origin has no
        // token, GitLab's credential helper reads GIT_PASSWORD.
        await execFileAsync("git", [
          ...auth,
          "clone",
          "-q",
          "--filter=blob:none",
          remote,
          workspace,
        ]);
        const helper =
          '!f() { test "$1" = get || exit 0; echo username=oauth; echo "password=$GIT_PASSWORD"; }; f';
        execFileSync("git", ["config", `credential.${standin.url}.helper`, helper], {
          cwd: workspace,
        });
        env = testEnv({ ...jobEnv(), GIT_PASSWORD: "oauth-of-the-flow" });
      }
      for (const [key, value] of [
        ["user.name", "Duo"],
        ["user.email", "duo@example.com"],
      ])
        execFileSync("git", ["config", key!, value!], { cwd: workspace });
      gitLog.length = 0;
      await runFlowCommandLines(workspace, env);
      // Blobs and history came from origin on demand, with credentials that worked.
      expect(gitLog.some((r) => r.status === 200 && r.credentials)).toBe(true);
      expect(gitLog.filter((r) => r.credentials).every((r) => r.status === 200)).toBe(true);
    },
  );

  it("sends them only to the instance they belong to", async () => {
    const result = await rollbackCheck(withGitCredentials("https://gitlab.elsewhere.example"));
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: "git-fetch-failed" } });
    expect(gitLog.length).toBeGreaterThan(0);
    expect(gitLog.every((r) => !r.credentials)).toBe(true);
  });
});
