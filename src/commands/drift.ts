import pLimit from "p-limit";
import { loadConfig } from "../config/load.js";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { describeError, ExitCode, UsageError } from "../errors.js";
import { requireProject } from "../config/resolve.js";
import { readPairApi } from "../drift/api-reader.js";
import { readPairLocal } from "../drift/local-reader.js";
import { computePairDrift, needsAttention, type PairDrift, type PairInput } from "../drift/pair.js";
import { selectPairs } from "../drift/select-pairs.js";
import { gitIn } from "../git/git.js";
import { GitLabError } from "../gitlab/errors.js";
import { httpFromEnv, type RetryPolicy } from "../gitlab/http.js";
import { json, type Io } from "../output/io.js";

export interface DriftOptions {
  config: string;
  from?: string;
  to?: string;
  local?: boolean;
  api?: boolean;
  allProjects?: boolean;
  json?: boolean;
  repo: string;
  concurrency?: number;
}

export interface DriftDeps {
  env: Record<string, string | undefined>;
  policy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
}

export interface DriftReport {
  mode: "local" | "api";
  project?: string;
  pairs: PairDrift[];
  /** API mode: HTTP requests sent. */
  requests?: number;
}

export interface FleetDriftReport {
  mode: "api";
  projects: { project: string; pairs?: PairDrift[]; error?: string }[];
  requests: number;
}

type PairSpec = { from: string; to: string };
type Reader = (pair: PairSpec & { fromBranch: string; toBranch: string }) => Promise<PairInput>;

export async function driftCommand(
  options: DriftOptions,
  io: Io,
  deps: DriftDeps,
): Promise<number> {
  if (options.local && options.api) throw new UsageError("choose one of --local and --api");
  if (options.local && options.allProjects)
    throw new UsageError(
      "--all-projects reads the GitLab API; drop --local",
      "the fleet's projects are not cloned here",
    );
  const { config } = await loadConfig(options.config);
  const pairs = selectPairs(config, options.from, options.to);
  const useApi =
    options.api || options.allProjects || (!options.local && !(await isCheckout(options.repo)));

  if (!useApi) {
    const report = await driftLocal(config, options.repo, pairs);
    io.stdout(options.json ? json(report) : formatReport(report));
    return report.pairs.some(needsAttention) ? ExitCode.findings : ExitCode.ok;
  }

  const http = httpFromEnv(
    deps.env,
    { scope: "read_api", allowJobToken: true },
    {
      ...(deps.policy ? { policy: deps.policy } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    },
  );
  if (!options.allProjects) {
    const project = requireProject(config, deps.env, "API mode");
    const read: Reader = (pair) => readPairApi(http, project, pair);
    const report: DriftReport = {
      mode: "api",
      project,
      pairs: await driftPairs(config, config.environments, pairs, read),
      requests: http.requestCount,
    };
    io.stdout(options.json ? json(report) : formatReport(report));
    return report.pairs.some(needsAttention) ? ExitCode.findings : ExitCode.ok;
  }

  if (config.projects.length === 0)
    throw new UsageError("--all-projects needs projects[] in envsync.yaml");
  const limit = pLimit(options.concurrency ?? 4);
  let done = 0;
  const projects = await Promise.all(
    config.projects.map((project) =>
      limit(async () => {
        try {
          const read: Reader = (pair) => readPairApi(http, project.path, pair);
          const result = await driftPairs(config, project.environments, pairs, read);
          const totals = result.reduce(
            (t, p) => ({
              pending: t.pending + p.counts.pending,
              missing: t.missing + p.counts.missing_upstream,
              drift: t.drift + p.counts.drifted_files,
            }),
            { pending: 0, missing: 0, drift: 0 },
          );
          io.stderr(
            `[${++done}/${config.projects.length}] ${project.path}: ${totals.pending} pending, ${totals.missing} missing upstream, ${totals.drift} drifted files\n`,
          );
          return { project: project.path, pairs: result };
        } catch (error) {
          if (!(error instanceof GitLabError) && !(error instanceof UsageError)) throw error;
          if (error instanceof GitLabError && error.details.status === 401) throw error;
          const message = describeError(error).replace(/^error: /, "");
          io.stderr(
            `[${++done}/${config.projects.length}] ${project.path}: failed: ${message.split("\n")[0]}\n`,
          );
          return { project: project.path, error: message };
        }
      }),
    ),
  );
  const report: FleetDriftReport = { mode: "api", projects, requests: http.requestCount };
  if (options.json) io.stdout(json(report));
  else
    for (const p of projects) {
      io.stdout(`== ${p.project}\n`);
      io.stdout(
        p.error ? `  failed: ${p.error}\n\n` : formatReport({ mode: "api", pairs: p.pairs! }),
      );
    }
  if (projects.some((p) => p.error)) return ExitCode.failure;
  return projects.some((p) => p.pairs!.some(needsAttention)) ? ExitCode.findings : ExitCode.ok;
}

async function driftPairs(
  config: ResolvedConfig,
  environments: ResolvedEnvironment[],
  pairs: PairSpec[],
  read: Reader,
): Promise<PairDrift[]> {
  const branch = (name: string) => environments.find((e) => e.name === name)!.branch;
  const results: PairDrift[] = [];
  for (const pair of pairs)
    results.push(
      computePairDrift(
        await read({ ...pair, fromBranch: branch(pair.from), toBranch: branch(pair.to) }),
        config,
      ),
    );
  return results;
}

export async function driftLocal(
  config: ResolvedConfig,
  repo: string,
  pairs: PairSpec[],
): Promise<DriftReport> {
  const git = gitIn(repo);
  const results = await driftPairs(config, config.environments, pairs, (pair) =>
    readPairLocal(git, pair),
  );
  return { mode: "local", ...(config.project ? { project: config.project } : {}), pairs: results };
}

async function isCheckout(dir: string): Promise<boolean> {
  try {
    return (await gitIn(dir).run(["rev-parse", "--is-inside-work-tree"])).trim() === "true";
  } catch {
    return false;
  }
}

export function formatReport(report: DriftReport): string {
  const lines: string[] = [];
  for (const pair of report.pairs) {
    const c = pair.counts;
    const attention = needsAttention(pair) ? "  ← needs attention" : "";
    lines.push(`${pair.from} → ${pair.to}  (${pair.from_branch} → ${pair.to_branch})${attention}`);
    lines.push(
      `  pending ${c.pending} · applied ${c.applied} · missing upstream ${c.missing_upstream} · unexpected files ${c.unexpected_files} (${c.drifted_files} not explained by pending commits) · expected ${c.expected_files}`,
    );
    const section = (title: string, items: string[], max = 15) => {
      if (items.length === 0) return;
      lines.push(`  ${title}:`);
      for (const item of items.slice(0, max)) lines.push(`    ${item}`);
      if (items.length > max) lines.push(`    … and ${items.length - max} more (--json lists all)`);
    };
    const commit = (x: { sha: string; subject: string; author: string; date: string }) =>
      `${x.sha.slice(0, 10)}  ${x.subject}  (${x.author}, ${x.date.slice(0, 10)})`;
    section("missing upstream (hotfixes never brought back)", pair.missing_upstream.map(commit));
    section(
      "unexpected files",
      pair.files.unexpected.map(
        (f) =>
          `${f.status}  ${f.old_path ? `${f.old_path} → ` : ""}${f.path}${f.pending ? "  (pending promotion)" : ""}`,
      ),
    );
    section("pending promotion", pair.pending.map(commit));
    section(
      "expected differences",
      pair.files.expected.map((f) => `${f.path}  (${f.reason})`),
      8,
    );
    lines.push("");
  }
  return `${lines.join("\n")}`;
}
