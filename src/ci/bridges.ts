/**
 * Which CI bridges a project still needs: the pipeline doctor's `on_failure` job only while no
 * native GitLab trigger starts the doctor there; the drift check's job and schedule always (the
 * drift check is a CI job, not a catalog flow). The answer comes from GitLab's own triggers when a
 * token can read them, else from a saved `envsync publish --json`, else every bridge stays.
 */
import type { ResolvedConfig } from "../config/types.js";
import { EnvsyncError } from "../errors.js";
import type { CommandContext } from "../context.js";
import { openGitLab } from "../gitlab/access.js";
import { CatalogApi } from "../gitlab/catalog.js";
import {
  atLeast,
  FlowTriggerApi,
  OWNED_MARK,
  ownedDescription,
  PIPELINE_HOOKS_UNFLAGGED,
} from "../gitlab/flow-triggers.js";
import { readTriggerReport } from "../gitlab/trigger-report.js";

export type Bridge = "pipeline-doctor" | "drift-check";

export interface BridgePlan {
  needed: Bridge[];
  /** Where the answer came from: gitlab, the publish report, or nothing (every bridge stays). */
  source: "gitlab" | "publish report" | "none";
  /** Why each bridge is or is not needed. */
  reasons: Partial<Record<Bridge, string>>;
  warning?: string;
}

const ALL: Bridge[] = ["pipeline-doctor", "drift-check"];

export async function bridgePlan(
  config: ResolvedConfig,
  ctx: Pick<CommandContext, "env" | "http">,
  options: { repo: string; publishReport?: string | undefined },
): Promise<BridgePlan> {
  const project = config.project;
  const drift = "the drift check is a CI job: it keeps its schedule";
  const none = (warning?: string): BridgePlan => ({
    needed: ALL,
    source: "none",
    reasons: { "drift-check": drift },
    ...(warning ? { warning } : {}),
  });
  if (!config.pipeline_doctor.enabled || config.triggers.pipeline_doctor.length === 0)
    return none();
  if (ctx.env.GITLAB_TOKEN) {
    try {
      const gitlab = await openGitLab(
        ctx,
        { scope: "read_api", jobToken: false, project: "ci" },
        { repo: options.repo, config },
      );
      const version = await new CatalogApi(gitlab).version();
      const filter = atLeast(version, [19, 0]);
      const triggers = (await new FlowTriggerApi(gitlab).list(gitlab.project, filter)) ?? [];
      const doctor = `${config.catalog.name_prefix}-pipeline-doctor`;
      const present = triggers.some(
        (t) => t.description === ownedDescription(doctor) && t.eventTypes.includes(3),
      );
      const active = present && atLeast(version, PIPELINE_HOOKS_UNFLAGGED);
      return {
        needed: active ? ["drift-check"] : ALL,
        source: "gitlab",
        reasons: {
          "pipeline-doctor": active
            ? `GitLab's pipeline trigger (${OWNED_MARK}) starts the doctor in ${gitlab.project}`
            : present
              ? `GitLab ${version.join(".")} runs pipeline triggers only with a feature flag EnvSync cannot see`
              : `no pipeline trigger of EnvSync's in ${gitlab.project} (run \`envsync publish\`)`,
          "drift-check": drift,
        },
      };
    } catch (error) {
      if (!(error instanceof EnvsyncError)) throw error;
      if (!options.publishReport)
        return none(`GitLab's triggers could not be read (${error.message}); every bridge stays`);
    }
  }
  if (options.publishReport) {
    const report = await readTriggerReport(options.publishReport);
    const rows = report.triggers.filter(
      (t) => t.flow === "pipeline-doctor" && (!project || t.project === project),
    );
    const active = rows.length > 0 && rows.every((t) => t.active && !t.bridge);
    return {
      needed: active ? ["drift-check"] : ALL,
      source: "publish report",
      reasons: {
        "pipeline-doctor": active
          ? `${options.publishReport}: GitLab's pipeline trigger starts the doctor`
          : `${options.publishReport}: no active pipeline trigger for ${project ?? "the projects"}`,
        "drift-check": drift,
      },
    };
  }
  return none();
}
