/**
 * Environment status for one project or a fleet, in as few round trips as GitLab allows: one
 * GraphQL request per batch of projects for every environment's branch head, latest pipeline and
 * last successful deployment; two compares per environment pair for the drift counts. A fleet goes
 * through a few batches at a time, bounded by the HTTP client's concurrency.
 */
import pLimit from "p-limit";
import type { PromotionPair, ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { computePairDrift } from "../drift/pair.js";
import { readPairApi } from "../drift/api-reader.js";
import { EnvsyncError } from "../errors.js";
import { GitLabError } from "../gitlab/errors.js";
import type { GitLab } from "../gitlab/access.js";
import { allSettledFirst } from "../gitlab/settle.js";
import { statusOverRest } from "./rest-status.js";
import {
  MAX_QUERY_COMPLEXITY,
  statusQuery,
  statusQueryComplexity,
  type StatusProjectNode,
} from "../gitlab/queries.js";

export interface StatusTarget {
  path: string;
  environments: ResolvedEnvironment[];
}

export interface EnvironmentStatus {
  environment: string;
  branch: string;
  gitlab_environment: string;
  head: { sha: string; title: string; committed_at: string; url: string } | null;
  pipeline: { status: string; created_at: string; url: string | null } | null;
  deployment: {
    sha: string | null;
    finished_at: string | null;
    ref: string | null;
    deploys_head: boolean;
  } | null;
  /** Drift from the environment before this one in the chain. */
  drift: { from: string; pending: number; missing_upstream: number } | null;
}

export interface ProjectStatus {
  project: string;
  environments: EnvironmentStatus[];
  /**
   * Where the facts came from: GraphQL, or REST where GraphQL withheld them from the token, with
   * the deployments' own source (the deploy jobs where the deployments API refused it too).
   */
  read_via?: "graphql" | "rest";
  deployments_from?: "deployments" | "deploy jobs";
  error?: string;
}

export async function gatherStatus(
  targets: readonly StatusTarget[],
  pairs: readonly PromotionPair[],
  clients: Pick<GitLab, "http" | "rest" | "graphql">,
  options: {
    batchSize: number;
    /** drift.expected and drift.ignore: commits touching only expected paths are not counted. */
    drift: ResolvedConfig["drift"];
    onProject?: (status: ProjectStatus) => void;
  },
): Promise<ProjectStatus[]> {
  const batches = batchByComplexity(targets, options.batchSize);
  // A few batches at a time, enough to keep twice the client's request slots queued, so GitLab
  // never waits on EnvSync; no more, so a fleet of thousands holds only a few projects' answers
  // and its requests, not every request it will send, at once.
  const requestsPerBatch = 1 + (targets.length / Math.max(1, batches.length)) * pairs.length * 2;
  const limit = pLimit(Math.max(2, Math.ceil((2 * clients.http.maxConcurrent) / requestsPerBatch)));
  const done = await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        try {
          return await statusOfBatch(batch, pairs, clients, options);
        } catch (error) {
          // A rejected token ends the run: start nothing more (cleared before p-limit moves on).
          limit.clearQueue();
          throw error;
        }
      }),
    ),
  );
  return done.flat();
}

/** One GraphQL request for the batch's projects, and the compares of each of them, together. */
async function statusOfBatch(
  batch: readonly StatusTarget[],
  pairs: readonly PromotionPair[],
  clients: Pick<GitLab, "http" | "rest" | "graphql">,
  { drift, onProject }: { drift: ResolvedConfig["drift"]; onProject?: (s: ProjectStatus) => void },
): Promise<ProjectStatus[]> {
  const nodes = new Map<string, StatusProjectNode | null | Error>();
  const runBatch = async (part: readonly StatusTarget[]): Promise<void> => {
    const vars: Record<string, string> = {};
    part.forEach((t, p) => {
      vars[`path${p}`] = t.path;
      t.environments.forEach((e, i) => {
        vars[`ref${p}_${i}`] = e.branch;
        vars[`env${p}_${i}`] = e.gitlab_environment;
      });
    });
    try {
      const data = await clients.graphql.run(statusQuery(part), vars);
      part.forEach((t, p) => nodes.set(t.path, data[p] ?? null));
    } catch (error) {
      if (!(error instanceof EnvsyncError)) throw error;
      // GitLab scores queries its own way and may change the scores: split and try again.
      if (part.length > 1 && isComplexityError(error)) {
        const half = Math.ceil(part.length / 2);
        await Promise.all([runBatch(part.slice(0, half)), runBatch(part.slice(half))]);
        return;
      }
      for (const t of part) nodes.set(t.path, error);
    }
  };
  const graphqlDone = runBatch(batch);

  return Promise.all(
    batch.map(async (target) => {
      const branch = (name: string) => target.environments.find((e) => e.name === name)!.branch;
      const driftDone = allSettledFirst(
        pairs.map(async (pair) => {
          const input = await readPairApi(
            clients,
            target.path,
            { ...pair, fromBranch: branch(pair.from), toBranch: branch(pair.to) },
            { files: false, patchLookups: false },
          );
          const { counts } = computePairDrift(input, { drift });
          return [
            pair.to,
            { from: pair.from, pending: counts.pending, missing_upstream: counts.missing_upstream },
          ] as const;
        }),
      );
      let status: ProjectStatus;
      try {
        const [drift] = await allSettledFirst([driftDone, graphqlDone]);
        let node = nodes.get(target.path);
        if (node instanceof Error) throw node;
        if (!node)
          throw new GitLabError("project not found, or the token cannot see it", {
            status: 200,
            method: "POST",
            path: "/api/graphql",
          });
        const viaRest = node.withheld;
        if (viaRest)
          node = await statusOverRest(clients, target.path, node.webUrl, target.environments);
        const driftByEnvironment = new Map(drift);
        status = {
          project: target.path,
          read_via: viaRest ? "rest" : "graphql",
          ...(node.deploymentsFrom ? { deployments_from: node.deploymentsFrom } : {}),
          environments: target.environments.map((env, i) =>
            environmentStatus(env, i, node, driftByEnvironment),
          ),
        };
      } catch (error) {
        if (!(error instanceof EnvsyncError)) throw error;
        if (error instanceof GitLabError && error.status === 401) throw error;
        status = {
          project: target.path,
          environments: [],
          error: error.summary.split("\n")[0]!,
        };
      }
      onProject?.(status);
      return status;
    }),
  );
}

function environmentStatus(
  env: ResolvedEnvironment,
  i: number,
  node: StatusProjectNode,
  drift: Map<string, EnvironmentStatus["drift"]>,
): EnvironmentStatus {
  const { head, pipeline, deployment } = node.environments[i] ?? {
    head: null,
    pipeline: null,
    deployment: null,
  };
  const origin = new URL(node.webUrl).origin;
  return {
    environment: env.name,
    branch: env.branch,
    gitlab_environment: env.gitlab_environment,
    head: head && {
      sha: head.sha,
      title: head.title,
      committed_at: head.committedDate,
      url: origin + head.webPath,
    },
    pipeline: pipeline && {
      status: pipeline.status.toLowerCase(),
      created_at: pipeline.createdAt,
      url: pipeline.path ? origin + pipeline.path : null,
    },
    deployment: deployment && {
      sha: deployment.sha,
      finished_at: deployment.finishedAt ?? deployment.createdAt,
      ref: deployment.ref,
      deploys_head: Boolean(head && deployment.sha === head.sha),
    },
    drift: drift.get(env.name) ?? null,
  };
}

/**
 * Consecutive projects per GraphQL request: at most `maxProjects`, and as many as stay within
 * GitLab's complexity limit. A project over the limit on its own is still asked alone.
 */
export function batchByComplexity<T extends { environments: readonly unknown[] }>(
  targets: readonly T[],
  maxProjects: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  for (const target of targets) {
    const cost = statusQueryComplexity([...current, target].map((t) => t.environments.length));
    if (current.length > 0 && (current.length >= maxProjects || cost > MAX_QUERY_COMPLEXITY)) {
      batches.push(current);
      current = [];
    }
    current.push(target);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function isComplexityError(error: EnvsyncError): boolean {
  return /Query has complexity of \d+, which exceeds max complexity of \d+/.test(error.message);
}
