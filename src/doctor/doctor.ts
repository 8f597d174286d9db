/**
 * Deterministic triage of a failed pipeline through the GitLab REST API: the failed jobs and the
 * lines around each one's first error, the branch's last green pipeline and what changed since, the
 * compared environments' last green runs, ranked as hypotheses with a confidence.
 */
import pLimit from "p-limit";
import type { ResolvedConfig } from "../config/types.js";
import type { GitLab } from "../gitlab/access.js";
import {
  COMPARE,
  JOB_LOG,
  LATEST_PIPELINES,
  PIPELINE_BY_ID,
  PIPELINE_JOBS,
} from "../gitlab/rest-operations.js";
import { firstError, type LogEvidence } from "./log-evidence.js";
import { rankHypotheses, verdictOf, type Hypothesis } from "./hypotheses.js";
import { allSettledFirst } from "../gitlab/settle.js";

export interface DoctorReport {
  pipeline: {
    id: number;
    ref: string;
    sha: string;
    status: string;
    web_url: string;
    environment: string | null;
  };
  failed_jobs: {
    id: number;
    name: string;
    stage: string;
    web_url: string;
    first_error: Omit<LogEvidence, "excerpt" | "total_lines"> | null;
    excerpt: string;
    log_lines: number;
  }[];
  last_green: { pipeline_id: number; sha: string; web_url: string } | null;
  changes_since_green: {
    commits: { sha: string; title: string }[];
    ci_config: string[];
    lockfiles: string[];
    manifests: string[];
    other: string[];
    variables: { added: string[]; removed: string[] };
  } | null;
  compared: {
    environment: string;
    branch: string;
    last_green: { pipeline_id: number; sha: string } | null;
    contains_failing_commit: boolean;
  }[];
  hypotheses: Hypothesis[];
  verdict: "code" | "environment" | "unknown";
  /**
   * The commits the verdict blames, with the top hypothesis's confidence: set when the verdict is
   * a code change and commits came in since the last green run (what auto-rollback reads).
   */
  suspects: { commits: { sha: string; title: string }[]; confidence: number; cause: string } | null;
  requests: number;
}

const LOCKFILES =
  /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Gemfile\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|go\.sum|Cargo\.lock|uv\.lock)$/;
const MANIFESTS =
  /(^|\/)(package\.json|Gemfile|pyproject\.toml|requirements[\w.-]*\.txt|Pipfile|composer\.json|go\.mod|Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|Dockerfile)$/;
const CI_CONFIG =
  /(^|\/)(\.gitlab-ci\.yml|\.gitlab-ci\/.*\.ya?ml|\.gitlab\/ci\/.*\.ya?ml|ci\/.*\.ya?ml)$/;

export async function diagnosePipeline(
  { rest, http }: Pick<GitLab, "rest" | "http">,
  project: string,
  pipelineId: number,
  config: ResolvedConfig,
): Promise<DoctorReport> {
  const compare = (from: string, to: string) => rest.run(COMPARE, { project, from, to });

  const pipeline = await rest.run(PIPELINE_BY_ID, { project, id: pipelineId });
  const env = config.environments.find((e) => e.branch === pipeline.ref);
  // Every page of the pipeline's jobs: a large pipeline has more than one.
  const jobs = await rest.run(PIPELINE_JOBS, { project, pipelineId });
  const failed = jobs.filter((j) => j.status === "failed" && !j.allow_failure);
  const limit = pLimit(4);
  // The newest hundred green pipelines of the branch are enough to find the last one before.
  const lastGreen = async (ref: string, before?: number) => {
    const list = await rest.run(LATEST_PIPELINES, { project, ref, status: "success", limit: 100 });
    return list.find((p) => before === undefined || p.id < before) ?? null;
  };
  const [logs, green, compared] = await allSettledFirst([
    allSettledFirst(
      failed.map((job) =>
        limit(async () => ({
          job,
          evidence: firstError(
            await rest.run(JOB_LOG, { project, jobId: job.id }),
            config.pipeline_doctor.log_lines,
          ),
        })),
      ),
    ),
    lastGreen(pipeline.ref, pipeline.id),
    allSettledFirst(
      (env ? (config.pipeline_doctor.compare_with[env.name] ?? []) : []).map(async (name) => {
        const other = config.environments.find((e) => e.name === name)!;
        const g = await lastGreen(other.branch);
        // The other environment ran the failing code when its green commit contains the failing one.
        const contains = g ? (await compare(g.sha, pipeline.sha)).commits.length === 0 : false;
        return {
          environment: name,
          branch: other.branch,
          last_green: g && { pipeline_id: g.id, sha: g.sha },
          contains_failing_commit: contains,
        };
      }),
    ),
  ]);

  let changes: DoctorReport["changes_since_green"] = null;
  if (green) {
    const cmp = await compare(green.sha, pipeline.sha);
    const paths = [...new Set(cmp.diffs.map((d) => d.new_path))];
    const ciDiffs = cmp.diffs.filter((d) => CI_CONFIG.test(d.new_path)).map((d) => d.diff);
    const names = (sign: "+" | "-") =>
      new Set(
        ciDiffs.flatMap((d) =>
          d
            .split("\n")
            .filter((l) => l.startsWith(sign) && !l.startsWith(`${sign}${sign}`))
            .flatMap((l) =>
              [...l.matchAll(/\$\{?([A-Z][A-Z0-9_]{2,})\b|^[+-]\s+([A-Z][A-Z0-9_]{2,}):/g)].map(
                (m) => m[1] ?? m[2]!,
              ),
            ),
        ),
      );
    const added = names("+");
    const removed = names("-");
    changes = {
      commits: cmp.commits.map((c) => ({ sha: c.id, title: c.title })),
      ci_config: paths.filter((p) => CI_CONFIG.test(p)),
      lockfiles: paths.filter((p) => LOCKFILES.test(p)),
      manifests: paths.filter((p) => MANIFESTS.test(p)),
      other: paths.filter((p) => !CI_CONFIG.test(p) && !LOCKFILES.test(p) && !MANIFESTS.test(p)),
      variables: {
        added: [...added].filter((v) => !removed.has(v)).sort(),
        removed: [...removed].filter((v) => !added.has(v)).sort(),
      },
    };
  }

  const hypotheses = rankHypotheses({
    failingSha: pipeline.sha,
    failedJobs: logs.map(({ job, evidence }) => ({
      name: job.name,
      ...(evidence ? { errorText: evidence.text, marker: evidence.marker } : {}),
    })),
    changes: changes && {
      commits: changes.commits.length,
      ciConfig: changes.ci_config,
      lockfiles: changes.lockfiles,
      manifests: changes.manifests,
      other: changes.other,
      variablesAdded: changes.variables.added,
      variablesRemoved: changes.variables.removed,
    },
    compared: compared.map((c) => ({
      environment: c.environment,
      jobsPassed: c.last_green !== null,
      sameCode: c.contains_failing_commit,
    })),
  });
  const verdict = verdictOf(hypotheses);
  const top = hypotheses[0];
  return {
    pipeline: {
      id: pipeline.id,
      ref: pipeline.ref,
      sha: pipeline.sha,
      status: pipeline.status,
      web_url: pipeline.web_url,
      environment: env?.name ?? null,
    },
    failed_jobs: logs.map(({ job, evidence }) => ({
      id: job.id,
      name: job.name,
      stage: job.stage,
      web_url: job.web_url,
      first_error: evidence
        ? { line: evidence.line, text: evidence.text, marker: evidence.marker }
        : null,
      excerpt: evidence?.excerpt ?? "",
      log_lines: evidence?.total_lines ?? 0,
    })),
    last_green: green && { pipeline_id: green.id, sha: green.sha, web_url: green.web_url },
    changes_since_green: changes,
    compared,
    hypotheses,
    verdict,
    suspects:
      verdict === "code" && top && changes && changes.commits.length > 0
        ? { commits: changes.commits, confidence: top.confidence, cause: top.cause }
        : null,
    requests: http.requestCount,
  };
}
