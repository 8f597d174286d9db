/**
 * `learn --write`: the recommended thresholds as a merge request to envsync.yaml on the default
 * branch. One commit through the Commits API (the file changes whole or not at all) on
 * `envsync/learn/thresholds`, and one open merge request for it: a second run with the same
 * recommendation changes nothing, a new one updates that branch and merge request.
 */
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import { code, count } from "../gitlab/markdown.js";
import {
  BRANCH,
  CREATE_COMMIT,
  CREATE_MERGE_REQUEST,
  EDIT_MERGE_REQUEST,
  OPEN_MERGE_REQUESTS,
  RAW_FILE,
} from "../gitlab/rest-operations.js";
import type { CategoryRecord } from "./learn.js";
import { PROJECT_DEFAULT_BRANCH } from "./reads.js";
import { writeThresholds, type ThresholdEdit } from "./thresholds.js";

export const LEARN_BRANCH = "envsync/learn/thresholds";

export interface ThresholdPlan {
  file: string;
  branch: string;
  target: string;
  before: string;
  edit: ThresholdEdit;
}

/** The categories whose recommended threshold differs from the configured one. */
export function thresholdChanges(categories: readonly CategoryRecord[]): Map<string, number> {
  return new Map(
    categories
      .filter((c) => c.configured && c.recommended.threshold !== c.threshold)
      .map((c) => [c.category, c.recommended.threshold]),
  );
}

export async function planThresholds(
  gitlab: Pick<GitLab, "rest"> & { project: string },
  file: string,
  changes: ReadonlyMap<string, number>,
): Promise<ThresholdPlan> {
  const { rest, project } = gitlab;
  const target = (await rest.run(PROJECT_DEFAULT_BRANCH, { project })).default_branch ?? "main";
  const before = await rest.run(RAW_FILE, { project, path: file, ref: target });
  return { file, branch: LEARN_BRANCH, target, before, edit: writeThresholds(before, changes) };
}

export async function proposeThresholds(
  gitlab: Pick<GitLab, "rest"> & { project: string },
  plan: ThresholdPlan,
  categories: readonly CategoryRecord[],
  label: string,
): Promise<{
  merge_request: number;
  web_url: string;
  action: "created" | "updated" | "unchanged";
}> {
  const { rest, project } = gitlab;
  const open = (
    await rest.run(OPEN_MERGE_REQUESTS, { project, source: plan.branch, target: plan.target })
  )[0];
  const onBranch = open ? await fileOn(gitlab, plan.file, plan.branch) : undefined;
  const description = describe(plan, categories);
  if (open && onBranch === plan.edit.text)
    return { merge_request: open.iid, web_url: open.web_url, action: "unchanged" };
  const head = (await rest.run(BRANCH, { project, branch: plan.target })).commit.id;
  await rest.run(CREATE_COMMIT, {
    project,
    branch: plan.branch,
    startSha: head,
    force: true,
    message: `Calibrate tier-2 thresholds from the proposal record\n\n${plan.edit.changed.join("\n")}\n`,
    actions: [{ action: "update", path: plan.file, content: plan.edit.text }],
  });
  const title = "EnvSync: calibrate the conflict resolver's tier-2 thresholds";
  if (open) {
    const mr = await rest.run(EDIT_MERGE_REQUEST, { project, iid: open.iid, title, description });
    return { merge_request: mr.iid, web_url: mr.web_url, action: "updated" };
  }
  const mr = await rest.run(CREATE_MERGE_REQUEST, {
    project,
    source: plan.branch,
    target: plan.target,
    title,
    description,
    labels: [label],
    removeSourceBranch: true,
  });
  return { merge_request: mr.iid, web_url: mr.web_url, action: "created" };
}

async function fileOn(
  gitlab: Pick<GitLab, "rest"> & { project: string },
  path: string,
  ref: string,
): Promise<string | undefined> {
  try {
    return await gitlab.rest.run(RAW_FILE, { project: gitlab.project, path, ref });
  } catch (error) {
    if (error instanceof GitLabError && error.status === 404) return undefined;
    throw error;
  }
}

/** The merge request's description: every value rendered inert (gitlab/markdown.ts). */
function describe(plan: ThresholdPlan, categories: readonly CategoryRecord[]): string {
  const rows = categories
    .filter((c) => c.configured)
    .map(
      (c) =>
        `| ${code(c.category)} | ${count(c.proposals)} | ${count(c.applied)} | ` +
        `${c.lower_bound.toFixed(4)} | ${c.threshold} | ${c.recommended.threshold} |`,
    );
  return [
    `EnvSync's record of the conflict resolver's tier-2 proposals supports these thresholds in ${code(plan.file)}.`,
    "",
    "| category | decided | applied | lower bound | threshold | recommended |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "The lower bound is the Wilson score lower bound (95 %) of the share applied as proposed; " +
      "`envsync learn` recommends the lowest confidence on record whose proposals reach the target.",
  ].join("\n");
}
