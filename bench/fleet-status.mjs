// `envsync status --all-projects` for 200 projects on the GitLab stand-in with 50 ms of latency on
// every answer, as a ratio to the concurrency-bound ideal measured in the same run: the CLI's own
// start-up plus ceil(requests / concurrency) round trips of 50 ms.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { timeCommand, row } from "./measure.mjs";

const PROJECTS = 200;
const LATENCY_MS = 50;
const CONCURRENCY = 16;

/** Bundles the TypeScript stand-in where its packages resolve, with its schema file beside it. */
export async function loadStandin(root) {
  const dir = join(root, "node_modules", ".cache", "envsync-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, "standin.mjs");
  await build({
    entryPoints: [join(root, "test/standin/bench-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "error",
    packages: "external",
    absWorkingDir: root,
  });
  return import(`${outfile}?${Date.now()}`);
}

export function repoFor(work) {
  const dir = join(work, "repo");
  const git = (...args) =>
    execFileSync("git", args, {
      cwd: dir,
      stdio: "ignore",
      env: {
        ...process.env,
        GIT_AUTHOR_DATE: "1760000000 +0000",
        GIT_COMMITTER_DATE: "1760000000 +0000",
        GIT_AUTHOR_NAME: "B",
        GIT_AUTHOR_EMAIL: "b@x",
        GIT_COMMITTER_NAME: "B",
        GIT_COMMITTER_EMAIL: "b@x",
      },
    });
  execFileSync("mkdir", ["-p", dir]);
  git("init", "-q", "-b", "develop");
  writeFileSync(join(dir, "a.txt"), "a\n");
  git("add", "-A");
  git("commit", "-qm", "base");
  git("branch", "qa");
  git("branch", "staging");
  git("branch", "main");
  writeFileSync(join(dir, "b.txt"), "b\n");
  git("add", "-A");
  git("commit", "-qm", "feature");
  return dir;
}

function runCli(root, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, "dist/cli.js"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) =>
      code === 0
        ? resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, out })
        : reject(new Error(`status exited ${code}`)),
    );
  });
}

export async function benchFleetStatus({ root, runs }) {
  const work = mkdtempSync(join(tmpdir(), "envsync-bench-fleet-"));
  try {
    const { GitLabStandin, attachRepositoryRoutes } = await loadStandin(root);
    const standin = await new GitLabStandin({ latencyMs: LATENCY_MS }).start();
    standin.state.cacheGit = true;
    attachRepositoryRoutes(standin);
    const repo = repoFor(work);
    const paths = Array.from({ length: PROJECTS }, (_, i) => `fleet/service-${i}`);
    for (const path of paths)
      standin.state.repositories.set(standin.state.addProject(path).id, repo);
    const config = join(work, "envsync.yaml");
    writeFileSync(
      config,
      `version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n  production: { branch: main }\nprojects:\n${paths.map((p) => `  - path: ${p}`).join("\n")}\n`,
    );
    const env = { GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url };
    const args = [
      "status",
      "--all-projects",
      "--json",
      "-c",
      config,
      "--concurrency",
      String(CONCURRENCY),
    ];
    await runCli(root, args, env); // warm the stand-in's git cache
    const samples = [];
    let requests = 0;
    for (let i = 0; i < runs; i++) {
      const { ms, out } = await runCli(root, args, env);
      samples.push(ms);
      requests = JSON.parse(out).requests;
    }
    await standin.stop();
    samples.sort((a, b) => a - b);
    const measured = samples[Math.floor(samples.length / 2)];
    const startup = timeCommand([process.execPath, join(root, "dist/cli.js"), "--version"], {
      runs: 5,
    });
    const ideal = startup + Math.ceil(requests / CONCURRENCY) * LATENCY_MS;
    return [
      `${PROJECTS} projects × 3 environments, ${LATENCY_MS} ms latency, ${CONCURRENCY} requests in flight: ${requests} requests (${(requests / PROJECTS).toFixed(1)} per project)`,
      row("concurrency-bound ideal (start-up + round trips)", ideal, ideal),
      row("envsync status --all-projects", measured, ideal, 1.3),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
