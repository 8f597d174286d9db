/**
 * Drift for a set of environment pairs, read from a local clone or from GitLab, and for a fleet of
 * projects over the API. Returns data; the command decides how it looks.
 */
import pLimit from "p-limit";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { Env } from "../context.js";
import { EnvsyncError, formatError } from "../errors.js";
import { commitSha, gitIn } from "../git/git.js";
import { isCheckout, NOT_A_CHECKOUT } from "../git/checkout.js";
import { GitLabError } from "../gitlab/errors.js";
import type { GitLab } from "../gitlab/access.js";
import { readPairApi } from "./api-reader.js";
import { readPairLocal } from "./local-reader.js";
import { computePairDrift, type PairDrift, type PairInput } from "./pair.js";
import { allSettledFirst } from "../gitlab/settle.js";
import { freshBranchesIn, type BranchFreshness } from "../git/branches.js";
import type { Activity } from "../output/progress.js";
import type { DriftProtection } from "./protection.js";

export interface DriftReport {
  mode: "local" | "api";
  /** When the report was made: the dashboard's state block dates each pair's check by it. */
  generated_at?: string;
  project?: string;
  /** Local mode: whether origin was fetched, and the ref compared for each branch. */
  branches?: BranchFreshness;
  pairs: PairDrift[];
  /**
   * Where GitLab's protection differs from envsync.yaml, for the checked environments that declare
   * it; absent without a token or a declaration (and in a fleet's reports).
   */
  protection?: DriftProtection;
  /** API mode: HTTP requests sent. */
  requests?: number;
}

export interface FleetProjectDrift {
  project: string;
  pairs?: PairDrift[];
  error?: string;
}

export interface FleetDriftReport {
  mode: "api";
  /** The shard this report covers, when the fleet is split across jobs. */
  shard?: { index: number; count: number };
  /** When the report was made: the dashboard tells a stale shard by it. */
  generated_at?: string;
  projects: FleetProjectDrift[];
  requests: number;
}

export interface PairSpec {
  from: string;
  to: string;
}

type Reader = (pair: PairSpec & { fromBranch: string; toBranch: string }) => Promise<PairInput>;

async function driftPairs(
  config: ResolvedConfig,
  environments: ResolvedEnvironment[],
  pairs: PairSpec[],
  read: Reader,
  /** Read every pair at once: over the API each pair is a few round trips of waiting. */
  concurrent = false,
): Promise<PairDrift[]> {
  const branch = (name: string) => environments.find((e) => e.name === name)!.branch;
  const one = async (pair: PairSpec) =>
    computePairDrift(
      await read({ ...pair, fromBranch: branch(pair.from), toBranch: branch(pair.to) }),
      config,
    );
  if (concurrent) return allSettledFirst(pairs.map(one));
  // Locally one pair at a time: each already keeps git busy, and holds its history in memory.
  const results: PairDrift[] = [];
  for (const pair of pairs) results.push(await one(pair));
  return results;
}

/**
 * Drift between the branches of the repository in `repo`: origin/<branch> (fetched first unless
 * `fetch` is false), or the local branch where origin has none.
 */
export async function driftLocal(
  config: ResolvedConfig,
  repo: { dir: string; env: Env; fetch: boolean; activity?: Activity },
  pairs: PairSpec[],
): Promise<DriftReport> {
  const git = gitIn(repo.dir, repo.env);
  const branches = [...new Set(pairs.flatMap((p) => [p.from, p.to]))].map(
    (name) => config.environments.find((e) => e.name === name)!.branch,
  );
  const freshness = await freshBranchesIn(repo, branches, {
    fetch: repo.fetch,
    onFetch: () => repo.activity?.step(`fetching ${branches.join(", ")} from origin`),
  });
  const results = await driftPairs(config, config.environments, pairs, (pair) => {
    repo.activity?.step(`drift ${pair.from} → ${pair.to}: reading commits`);
    return readPairLocal(git, pair);
  });
  return {
    mode: "local",
    ...(config.project ? { project: config.project } : {}),
    branches: freshness,
    pairs: results,
  };
}

/** Drift of one project over GitLab's compare and commits APIs. */
export async function driftApi(
  config: ResolvedConfig,
  gitlab: Pick<GitLab, "rest" | "http">,
  project: string,
  pairs: PairSpec[],
): Promise<DriftReport> {
  const read: Reader = (pair) => readPairApi(gitlab, project, pair);
  const results = await driftPairs(config, config.environments, pairs, read, true);
  return { mode: "api", project, pairs: results, requests: gitlab.http.requestCount };
}

/**
 * Drift of every project in `projects[]`, `concurrency` at a time. A project that fails is reported
 * with its error and the others go on; a rejected token stops the run, since every project would
 * fail the same way.
 */
export async function driftFleet(
  config: ResolvedConfig,
  gitlab: Pick<GitLab, "rest" | "http">,
  pairs: PairSpec[],
  options: {
    concurrency: number;
    /** Default: every project in projects[]. */
    projects?: ResolvedConfig["projects"];
    onProject?: (result: FleetProjectDrift) => void;
  },
): Promise<FleetDriftReport> {
  const limit = pLimit(options.concurrency);
  const projects = await Promise.all(
    (options.projects ?? config.projects).map((project) =>
      limit(async (): Promise<FleetProjectDrift> => {
        let result: FleetProjectDrift;
        try {
          const read: Reader = (pair) => readPairApi(gitlab, project.path, pair);
          result = {
            project: project.path,
            pairs: await driftPairs(config, project.environments, pairs, read, true),
          };
        } catch (error) {
          if (!(error instanceof EnvsyncError)) throw error;
          if (error instanceof GitLabError && error.status === 401) {
            // Every project would fail the same way: start no more.
            limit.clearQueue();
            throw error;
          }
          result = { project: project.path, error: formatError(error).replace(/^error: /, "") };
        }
        options.onProject?.(result);
        return result;
      }),
    ),
  );
  return { mode: "api", projects, requests: gitlab.http.requestCount };
}

/**
 * Why the clone in `dir` cannot answer for these branches (not a checkout, shallow, a branch
 * missing), or undefined when it can. A Duo flow's job checks out a shallow workload ref without
 * the environment branches: there EnvSync asks GitLab instead of reading half a history.
 */
export async function localHistoryGap(
  dir: string,
  env: Env,
  branches: readonly string[],
): Promise<string | undefined> {
  if (!(await isCheckout(dir, env))) return NOT_A_CHECKOUT;
  const git = gitIn(dir, env);
  if ((await git.run(["rev-parse", "--is-shallow-repository"])).trim() === "true")
    return "a shallow clone";
  for (const branch of branches) {
    const found = await Promise.all(
      [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`].map((ref) => commitSha(git, ref)),
    );
    if (!found.some(Boolean)) return `branch ${branch} is not here`;
  }
  return undefined;
}
