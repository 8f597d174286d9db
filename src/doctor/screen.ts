/**
 * `envsync doctor --screen`: whether the pipeline doctor should diagnose a pipeline at all, decided
 * by the engine before any model runs. GitLab 18.9 starts the flow on every status change of every
 * pipeline (it has no filter), so the flow asks this first and stops at once, posting nothing, for
 * a pipeline that did not fail or is not on an environment branch. It also keeps to one diagnosis
 * per pipeline: a pipeline whose CI bridge job already started the doctor, or that EnvSync's own
 * diagnosis note already names (its marker, as the note's last line), is not diagnosed again.
 *
 * Everything is read from GitLab by the pipeline's id, never taken from the goal's text: a goal can
 * be any note that mentions the flow.
 */
import { environmentsOf } from "../config/resolve.js";
import type { ResolvedConfig } from "../config/types.js";
import type { GitLab } from "../gitlab/access.js";
import {
  NOTES,
  OPEN_ISSUES_TITLED,
  PIPELINE_BY_ID,
  PIPELINE_JOBS,
} from "../gitlab/rest-operations.js";

/** The CI bridge's job (templates/pipeline-doctor.yml). */
export const BRIDGE_JOB = "envsync-pipeline-doctor";
const DASHBOARD_MARKER = "<!-- envsync:dashboard";

/** The line EnvSync ends a pipeline's report with; the bridge's note carries the same. */
export function diagnosisMarker(pipelineId: number): string {
  return `<!-- envsync:pipeline-failure:${pipelineId} -->`;
}

export interface ScreenResult {
  decision: "diagnose" | "skip";
  reason: string;
  pipeline: number;
  status?: string;
  ref?: string;
  environment?: string;
  /** Where the diagnosis goes when the pipeline has no merge request: the dashboard issue. */
  report_issue?: number;
}

export async function screenPipeline(
  { rest }: Pick<GitLab, "rest">,
  project: string,
  pipelineId: number,
  config: ResolvedConfig,
  options: {
    /** The token's user, when GitLab says it (a flow job's token may not read /user). */
    me?: number | undefined;
    /** The status the event reported: GitLab 18.9 starts the flow on every change. */
    eventStatus?: string | undefined;
  },
): Promise<ScreenResult> {
  const { me, eventStatus } = options;
  const skip = (reason: string, more: Partial<ScreenResult> = {}): ScreenResult => ({
    decision: "skip",
    reason,
    pipeline: pipelineId,
    ...more,
  });
  if (!config.pipeline_doctor.enabled) return skip("pipeline_doctor.enabled is false");
  // The flow started for an earlier change may run after the pipeline failed: only the event of
  // the change to failed goes on, or one failure would be diagnosed once per change.
  if (eventStatus !== undefined && eventStatus !== "failed")
    return skip(`the event is pipeline ${pipelineId} becoming ${eventStatus}, not failed`);
  const pipeline = await rest.run(PIPELINE_BY_ID, { project, id: pipelineId });
  const facts = { status: pipeline.status, ref: pipeline.ref };
  if (pipeline.status !== "failed")
    return skip(`pipeline ${pipelineId} is ${pipeline.status}, not failed`, facts);
  const environments = environmentsOf(config, project);
  const env = environments.find((e) => e.branch === pipeline.ref);
  if (!env) return skip(`${pipeline.ref} is not an environment branch`, facts);
  const found = { ...facts, environment: env.name };
  const jobs = await rest.run(PIPELINE_JOBS, { project, pipelineId });
  if (jobs.some((j) => j.name === BRIDGE_JOB && j.status === "success"))
    return skip(`the CI bridge job ${BRIDGE_JOB} already reported pipeline ${pipelineId}`, found);
  const issues = await rest.run(OPEN_ISSUES_TITLED, {
    project,
    title: config.dashboard.issue_title,
  });
  // The oldest open issue of that title that carries the dashboard marker.
  const dashboard = issues
    .filter(
      (i) =>
        i.title === config.dashboard.issue_title &&
        (i.description ?? "").includes(DASHBOARD_MARKER),
    )
    .sort((a, b) => a.iid - b.iid)[0];
  if (dashboard && me !== undefined) {
    const tag = diagnosisMarker(pipelineId);
    const notes = await rest.run(NOTES, { project, kind: "issues", iid: dashboard.iid });
    if (notes.some((n) => n.author.id === me && n.body.trimEnd().split("\n").pop() === tag))
      return skip(`pipeline ${pipelineId} was already diagnosed`, found);
  }
  return {
    decision: "diagnose",
    reason: `pipeline ${pipelineId} failed on ${pipeline.ref} (${env.name})`,
    pipeline: pipelineId,
    ...found,
    ...(dashboard ? { report_issue: dashboard.iid } : {}),
  };
}
