/**
 * Pipeline and deployment health for the dashboard's state block, read with `status`'s core (one
 * GraphQL request, REST where GraphQL withholds). GitLab's answers are put in the block's shape
 * here, value by value, so a block EnvSync writes always reads back; the health is left out when
 * GitLab cannot be asked, never guessed.
 */
import type { ResolvedConfig } from "../config/types.js";
import type { GitLab } from "../gitlab/access.js";
import { EnvsyncError } from "../errors.js";
import { ISO_DATE } from "../gitlab/markdown.js";
import { gatherStatus, type EnvironmentStatus } from "../status/status.js";
import type { EnvironmentHealth } from "./state.js";

const SHA = /^[0-9a-f]{7,64}$/;
const STATUS = /^[a-z_]{1,40}$/;

export async function environmentHealth(
  config: Pick<ResolvedConfig, "environments" | "drift">,
  gitlab: Pick<GitLab, "http" | "rest" | "graphql"> & { project: string },
  at: Date,
): Promise<{ health?: Map<string, EnvironmentHealth>; problem?: string }> {
  try {
    // No pairs: the drift report already has the drift, so no compares are sent.
    const [status] = await gatherStatus(
      [{ path: gitlab.project, environments: config.environments }],
      [],
      gitlab,
      { batchSize: 1, drift: config.drift },
    );
    if (!status || status.error !== undefined) return { problem: status?.error ?? "no answer" };
    const checkedAt = at.toISOString();
    return {
      health: new Map(
        status.environments.map((e) => [e.environment, healthFromStatus(e, checkedAt)]),
      ),
    };
  } catch (error) {
    if (!(error instanceof EnvsyncError)) throw error;
    return { problem: error.summary.split("\n")[0]! };
  }
}

/** One environment's status in the block's shape: a value that does not fit becomes null. */
export function healthFromStatus(e: EnvironmentStatus, checkedAt: string): EnvironmentHealth {
  const sha = (value: string | null | undefined) =>
    value && SHA.test(value.toLowerCase()) ? value.toLowerCase() : null;
  const time = (value: string | null | undefined) => (value && ISO_DATE.test(value) ? value : null);
  const status = e.pipeline?.status.toLowerCase();
  const created = time(e.pipeline?.created_at);
  return {
    checked_at: checkedAt,
    head_sha: sha(e.head?.sha),
    pipeline:
      status !== undefined && created
        ? { status: STATUS.test(status) ? status : "unknown", created_at: created }
        : null,
    deployment: e.deployment && {
      sha: sha(e.deployment.sha),
      finished_at: time(e.deployment.finished_at),
      deploys_head: e.deployment.deploys_head === true,
    },
  };
}
