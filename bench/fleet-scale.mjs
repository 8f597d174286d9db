// `envsync status --all-projects` for 2,000 projects with 4 environments each, against the stand-in
// as strict as GitLab: complexity capped at 250, a rate limit with RateLimit-* headers and 429s,
// and 50 ms of latency on every answer. The ideal is the larger of two bounds for the same number
// of requests: the rate limit's (full windows to wait) and the concurrency's (round trips).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timeCommand, row } from "./measure.mjs";
import { loadStandin, repoFor } from "./fleet-status.mjs";

const LATENCY_MS = 50;
const CONCURRENCY = 16;
const RATE = { limit: 1000, windowSeconds: 2 };
// SCALE_NODE_OPTIONS (e.g. --max-old-space-size=150) is passed to the CLI as NODE_OPTIONS, to see
// how much of the peak is garbage V8 has not collected yet.

/** Runs the CLI, sampling its peak resident memory (VmHWM) while it runs. */
function runMeasured(root, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, "dist/cli.js"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // Gone already.
      }
    }, 50);
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      clearInterval(sample);
      // 1: a project failed; 3: drift found something to act on. Both still print the report.
      if (![0, 1, 3].includes(code)) return reject(new Error(`exited ${code}`));
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, out, peakMb: peakKb / 1024 });
    });
  });
}

export async function benchFleetScale({ root, projects = 2000, shards = 1, command = "status" }) {
  const work = mkdtempSync(join(tmpdir(), "envsync-bench-scale-"));
  try {
    const { GitLabStandin, attachRepositoryRoutes } = await loadStandin(root);
    const standin = await new GitLabStandin({ latencyMs: LATENCY_MS, rateLimit: RATE }).start();
    standin.state.cacheGit = true;
    attachRepositoryRoutes(standin);
    const repo = repoFor(work);
    const paths = Array.from({ length: projects }, (_, i) => `fleet/service-${i}`);
    for (const path of paths)
      standin.state.repositories.set(standin.state.addProject(path).id, repo);
    const config = join(work, "envsync.yaml");
    writeFileSync(
      config,
      "version: 1\nenvironments:\n  dev: { branch: develop }\n  qa: { branch: qa }\n" +
        "  staging: { branch: staging }\n  production: { branch: main }\nprojects:\n" +
        `${paths.map((p) => `  - path: ${p}`).join("\n")}\n`,
    );
    const env = {
      GITLAB_TOKEN: standin.token,
      GITLAB_URL: standin.url,
      CI: "true",
      ...(process.env.SCALE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SCALE_NODE_OPTIONS } : {}),
    };
    // drift's --concurrency counts projects; its requests in flight stay at the default 16.
    const args = [
      command,
      "--all-projects",
      "--json",
      "-c",
      config,
      ...(command === "drift" ? ["-C", work] : ["--concurrency", String(CONCURRENCY)]),
      ...(shards > 1 ? ["--shard", `1/${shards}`] : []),
    ];
    const { ms, out, peakMb } = await runMeasured(root, args, env);
    const refused = standin.log.filter((r) => r.status === 429).length;
    const overComplexity = standin.complexities.filter((c) => c > 250).length;
    await standin.stop();
    const report = JSON.parse(out);
    if (!report.projects) throw new Error(`${command} failed: ${out}`);
    const requests = report.requests;
    const failed = report.projects.filter((p) => p.error).length;
    const startup = timeCommand([process.execPath, join(root, "dist/cli.js"), "--version"], {
      runs: 5,
    });
    const concurrencyBound = startup + Math.ceil(requests / CONCURRENCY) * LATENCY_MS;
    const rateBound =
      startup + Math.max(0, Math.ceil(requests / RATE.limit) - 1) * RATE.windowSeconds * 1000;
    const ideal = Math.max(concurrencyBound, rateBound);
    // The fewest requests the queries need. status: one GraphQL request per project (4
    // environments cost 127 of 250) and two compares for each of the 3 pairs. drift: three
    // compares per pair, and one commit diff where the pending commit's evidence is unmatched
    // (dev→qa here).
    const checked = report.projects.length;
    const minimum = checked * (command === "drift" ? 3 * 3 + 1 : 1 + 3 * 2);
    const name = command === "drift" ? "fleet-drift" : "fleet-scale";
    const lines = [
      `${projects} projects × 4 environments${shards > 1 ? ` (shard 1 of ${shards}: ${checked} projects)` : ""}, ${LATENCY_MS} ms latency, ${CONCURRENCY} in flight, rate limit ${RATE.limit} per ${RATE.windowSeconds} s`,
      `requests per project: ${(requests / checked).toFixed(2)} (the queries need at least ${(minimum / checked).toFixed(2)}); ${refused} answered 429, ${overComplexity} refused for complexity`,
      row("limit-bound ideal (start-up + the larger bound)", ideal, ideal),
      row(`envsync ${command} --all-projects`, ms, ideal, 1.2),
      `${name}: ${projects} projects, ${(ms / ideal).toFixed(2)}x the limit-bound ideal, ${requests} requests, ${failed} failed, ${Math.round(peakMb)} peak MB`,
    ];
    return { lines, row: { projects, shards, checked, seconds: ms / 1000, requests, peakMb } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The scaling table of docs/scaling.md: one shard job's wall time, requests and peak memory. */
export async function benchFleetScaling({ root }) {
  const rows = [];
  for (const projects of [200, 500, 2000])
    for (const shards of [1, 4, 8])
      rows.push((await benchFleetScale({ root, projects, shards })).row);
  return [
    "| projects | shards | projects per job | wall time per job | requests per job | peak memory |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.projects} | ${r.shards} | ${r.checked} | ${r.seconds.toFixed(1)} s | ${r.requests} | ${Math.round(r.peakMb)} MB |`,
    ),
  ];
}
