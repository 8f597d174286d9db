/**
 * A promotion from one environment to the next: what is pending, the gates that must hold, and the
 * promotion merge request (opened, or updated when one is already open between the branches).
 */
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import {
  computePairDrift,
  type CommitSummary,
  type PairDrift,
  type PairInput,
} from "../drift/pair.js";
import { code, day, inlineCode, sha } from "../gitlab/markdown.js";
import type { GitLabRest } from "../gitlab/rest.js";
import {
  CREATE_MERGE_REQUEST,
  EDIT_MERGE_REQUEST,
  LATEST_PIPELINES,
  OPEN_MERGE_REQUESTS,
} from "../gitlab/rest-operations.js";
import { GitLabError } from "../gitlab/errors.js";
import { successfulDeployments } from "../deployments/deployments.js";
import { evaluateGates, type GateResult } from "./gates.js";
import { rollbackRecords } from "../gitlab/rollback-record.js";
import { rejectedCommits } from "./rejected.js";
import { allSettledFirst } from "../gitlab/settle.js";
import {
  keepActions,
  preparePromotionBranch,
  promotionBranchName,
  type PromotionBranch,
} from "./keep-branch.js";

export interface PromotionReport {
  from: string;
  to: string;
  pending: CommitSummary[];
  gates: { name: string; status: string; detail: string }[];
  allowed: boolean;
  merge_request: { iid: number; web_url: string; action: "created" | "updated" } | null;
  /**
   * EnvSync's branch the merge request comes from when the target's expected differences must be
   * kept (null when the source branch itself is merged): the source head plus one commit.
   */
  promotion_branch: PromotionBranch | null;
  /** Where the source's deployments came from, when not GitLab's deployments API. */
  deployments_from?: { source: "deploy jobs"; reason?: string; jobs?: string[] };
}

export interface PromotionSources {
  /** Reads the pair from a clone or from GitLab. */
  read: () => Promise<PairInput>;
  /** GitLab, when it can be asked: gates that need it are `unknown` without. */
  gitlab?: { rest: GitLabRest; project: string };
}

export async function promote(
  config: ResolvedConfig,
  envs: { from: ResolvedEnvironment; to: ResolvedEnvironment },
  sources: PromotionSources,
  options: { dryRun: boolean; now: Date },
): Promise<PromotionReport> {
  const input = await sources.read();
  const drift = computePairDrift(input, config);
  const upstream = new Map(input.upstream.map((c) => [c.sha, c]));
  const pendingPaths = new Map(
    drift.pending.map((c) => [c.sha, [...input.pathsOf([upstream.get(c.sha)!])]]),
  );
  const gitlab = sources.gitlab;
  const unknownWhy: Partial<Record<"pipeline" | "deployed" | "rolled_back", string>> = gitlab
    ? {}
    : {
        pipeline: "not asked: no GitLab token (set GITLAB_TOKEN to check the source pipeline)",
        deployed: "not asked: no GitLab token (set GITLAB_TOKEN to check the source deployment)",
        rolled_back:
          "not asked: no GitLab token (set GITLAB_TOKEN to read what rollbacks took out)",
      };
  const deploymentsFrom: { value?: PromotionReport["deployments_from"] } = {};
  // A read GitLab refuses this token leaves its gate unknown, with the reason.
  const reads = { pipeline: "pipelines", deployed: "deployments", rolled_back: "merge requests" };
  const unlessRefused = async <T>(gate: keyof typeof reads, read: Promise<T>) => {
    try {
      return await read;
    } catch (error) {
      if (!(error instanceof GitLabError) || ![401, 403].includes(error.status)) throw error;
      unknownWhy[gate] = `GitLab refused this token the ${reads[gate]} (${error.message})`;
      return undefined;
    }
  };
  const [latestPipeline, lastDeployment, records] = gitlab
    ? await allSettledFirst([
        unlessRefused("pipeline", latestPipelineOf(gitlab, input.fromSha)),
        unlessRefused("deployed", lastDeploymentOf(gitlab, envs.from, deploymentsFrom)),
        unlessRefused("rolled_back", rollbackRecords(gitlab)),
      ])
    : [undefined, undefined, undefined];
  const gates = evaluateGates(config.promotion.gates, {
    sourceHead: input.fromSha,
    latestPipeline,
    lastDeployment,
    now: options.now,
    missingUpstream: drift.missing_upstream,
    pendingPaths,
    alwaysManual: config.conflicts.always_manual,
    targetProtected: envs.to.protected,
    ...(records ? { rolledBack: rejectedCommits(input.upstream, records) } : {}),
    unknownWhy,
  });
  const allowed = !gates.some((g) => g.blocks);
  const report: PromotionReport = {
    from: envs.from.name,
    to: envs.to.name,
    pending: drift.pending,
    gates: gates.map(({ name, status, detail }) => ({ name, status, detail })),
    allowed,
    merge_request: null,
    promotion_branch: null,
    ...(deploymentsFrom.value ? { deployments_from: deploymentsFrom.value } : {}),
  };
  if (drift.pending.length === 0) return report;
  // A dry run shows the branch it would prepare whatever the gates say: both are the plan.
  if (options.dryRun || !gitlab) {
    const kept = keepActions(drift.files.expected);
    if (kept.length > 0)
      report.promotion_branch = {
        name: promotionBranchName(drift.from, drift.to),
        kept,
        action: "planned",
      };
    return report;
  }
  if (!allowed) return report;
  report.promotion_branch = (await preparePromotionBranch(gitlab, drift, options)) ?? null;
  report.merge_request = await openOrUpdate(gitlab, config, drift, gates, report.promotion_branch);
  return report;
}

async function latestPipelineOf(
  gitlab: NonNullable<PromotionSources["gitlab"]>,
  sha: string,
): Promise<{ status: string; sha: string } | null> {
  const [latest] = await gitlab.rest.run(LATEST_PIPELINES, {
    project: gitlab.project,
    sha,
    limit: 1,
  });
  return latest ? { status: latest.status, sha: latest.sha } : null;
}

async function lastDeploymentOf(
  gitlab: NonNullable<PromotionSources["gitlab"]>,
  environment: ResolvedEnvironment,
  from: { value?: PromotionReport["deployments_from"] },
): Promise<{ sha: string; finishedAt: string | null } | null> {
  const history = await successfulDeployments(gitlab, gitlab.project, environment, 1);
  if (history.source === "deploy jobs")
    from.value = {
      source: "deploy jobs",
      ...(history.reason ? { reason: history.reason } : {}),
      ...(history.jobs ? { jobs: history.jobs } : {}),
    };
  const [latest] = history.deployments;
  if (!latest) return null;
  return {
    sha: latest.sha,
    finishedAt: latest.finished_at ?? latest.updated_at ?? latest.created_at,
  };
}

async function openOrUpdate(
  gitlab: NonNullable<PromotionSources["gitlab"]>,
  config: ResolvedConfig,
  drift: PairDrift,
  gates: GateResult[],
  branch: PromotionBranch | null,
): Promise<NonNullable<PromotionReport["merge_request"]>> {
  const { rest, project } = gitlab;
  const title = `Promote ${drift.from} → ${drift.to}`;
  const description = promotionDescription(drift, gates, branch);
  const source = branch?.name ?? drift.from_branch;
  const [open] = await rest.run(OPEN_MERGE_REQUESTS, {
    project,
    source,
    target: drift.to_branch,
  });
  if (open) {
    const updated = await rest.run(EDIT_MERGE_REQUEST, {
      project,
      iid: open.iid,
      title,
      description,
    });
    return { iid: updated.iid, web_url: updated.web_url, action: "updated" };
  }
  const settings = config.promotion.merge_request;
  const created = await rest.run(CREATE_MERGE_REQUEST, {
    project,
    source,
    target: drift.to_branch,
    title,
    description,
    labels: settings.labels,
    squash: settings.squash,
    // EnvSync's own branch goes once merged; an environment branch stays unless configured.
    removeSourceBranch: branch ? true : settings.remove_source_branch,
  });
  return { iid: created.iid, web_url: created.web_url, action: "created" };
}

/** The merge request description: pending commits, gate results, the drift that stays expected. */
export function promotionDescription(
  drift: PairDrift,
  gates: readonly GateResult[],
  branch: PromotionBranch | null = null,
): string {
  const lines = [
    `Opened by ${code(`envsync promote ${drift.from} ${drift.to}`)}.`,
    "",
    `### Pending commits (${drift.pending.length})`,
    ...drift.pending.map(
      (c) => `- ${sha(c.sha)} ${inlineCode(c.subject)} (${inlineCode(c.author)}, ${day(c.date)})`,
    ),
    "",
    "### Gates",
    "| gate | status | detail |",
    "| --- | --- | --- |",
    // A detail can quote GitLab (a status, a refusal's message): code, like any outside text.
    ...gates.map((g) => `| ${g.name} | ${g.status} | ${code(g.detail, 1000)} |`),
  ];
  if (drift.files.expected.length > 0 && branch) {
    lines.push(
      "",
      `### Files this promotion keeps as they are on ${inlineCode(drift.to_branch)}`,
      `This merge request comes from ${inlineCode(branch.name)}: ${inlineCode(drift.from_branch)} ` +
        `plus one commit that gives back ${inlineCode(drift.to_branch)}'s version of each file ` +
        "below (drift.expected), so merging it does not change them.",
    );
    for (const f of drift.files.expected)
      lines.push(`- ${inlineCode(f.old_path ?? f.path)}: ${inlineCode(f.reason)}`);
  }
  const local = [...drift.environment_local.upstream, ...drift.environment_local.downstream];
  if (local.length > 0) {
    lines.push(
      "",
      "### Environment-local commits (only expected differences; not part of this promotion)",
      ...local.map((c) => `- ${sha(c.sha)} ${inlineCode(c.subject)}`),
    );
  }
  return lines.join("\n");
}
