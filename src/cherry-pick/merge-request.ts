/**
 * The merge request of a pick: pushed and opened (a draft labelled for EnvSync when conflicts
 * wait, with their hunks, the prerequisites and the commands to finish), found again when an
 * earlier run opened it, the conflict-resolver flow mentioned on a draft, the merged MR it picks
 * linked both ways and its context carried, and auto-merge set where GitLab lets the token. Every
 * outside value (subjects, paths, hunks, titles) goes through markdown.ts: nothing in them is a
 * quick action, a mention or a link; the one mention is the flow's service account.
 */
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { autoMergeWhenPipelineRuns } from "../gitlab/auto-merge.js";
import { EnvsyncError } from "../errors.js";
import type { GitLab } from "../gitlab/access.js";
import { GitLabError } from "../gitlab/errors.js";
import { findFlowConsumer } from "../gitlab/flow-consumer.js";
import { tokenUser } from "../gitlab/identity.js";
import {
  codeBlock,
  code,
  count,
  fenceSafe,
  inertJson,
  inlineCode,
  instanceLink,
  sha as shortSha,
} from "../gitlab/markdown.js";
import {
  CREATE_PICK_MERGE_REQUEST,
  MERGE_REQUEST_DETAILS,
  type MergeRequestDetails,
} from "../gitlab/merge-requests.js";
import {
  CREATE_NOTE,
  NOTES,
  OPEN_MERGE_REQUESTS,
  START_WORKFLOW,
} from "../gitlab/rest-operations.js";
import type { CherryPickReport } from "./cherry-pick.js";
import type { MergedMergeRequest } from "./merged-mr.js";

export interface PickMergeRequest {
  /** `planned` under --dry-run: nothing was pushed or opened. */
  action: "created" | "exists" | "planned";
  iid?: number;
  web_url?: string;
  title: string;
  draft: boolean;
  labels: string[];
  assignee_ids?: number[];
  reviewer_ids?: number[];
  milestone_id?: number;
  /** The conflict-resolver flow, on a draft. */
  resolver?: {
    action: "started" | "mentioned" | "already asked" | "skipped" | "planned";
    reason: string;
    workflow_id?: number;
    /** Why it was mentioned when the workflows API was asked for. */
    fallback?: string;
  };
  /** The note on the merged MR this pick comes from. */
  source_note?: { action: "added" | "exists" | "planned"; iid: number };
  auto_merge?: { set: boolean; reason: string };
}

export interface PickMergeRequestOptions {
  dryRun: boolean;
  source?: MergedMergeRequest;
  autoMerge: boolean;
  resolver: "mention" | "api" | "none";
  /** Pushes the pick's branch to origin. */
  push: (branch: string) => Promise<void>;
  /**
   * The pick again on a throwaway worktree: what an earlier run's branch holds when that run
   * stopped before opening its merge request (a failed push or request, an interrupt).
   */
  replan: () => Promise<CherryPickReport>;
}

type GitLabForPick = Pick<GitLab, "rest" | "graphql" | "http" | "baseUrl"> & { project: string };

export async function pickMergeRequest(
  gitlab: GitLabForPick | undefined,
  config: ResolvedConfig,
  env: ResolvedEnvironment,
  report: CherryPickReport,
  options: PickMergeRequestOptions,
): Promise<PickMergeRequest | undefined> {
  const conflict = report.status === "conflict";
  const branch = report.branch;
  if (!options.dryRun && !branch) return undefined;
  if (options.dryRun && report.status !== "picked" && !conflict) return undefined;
  let plan = planOf(config, env, report, options.source, gitlab?.baseUrl);
  if (options.dryRun || !gitlab) {
    const planned: PickMergeRequest = { action: "planned", ...plan.shown };
    if (conflict && options.resolver !== "none")
      planned.resolver = {
        action: "planned",
        reason: `would ${options.resolver === "api" ? "start" : "mention"} the ${config.catalog.name_prefix}-conflict-resolver flow`,
      };
    if (options.source) planned.source_note = { action: "planned", iid: options.source.iid };
    if (options.autoMerge)
      planned.auto_merge = conflict
        ? { set: false, reason: "a draft with conflicts is not merged automatically" }
        : { set: false, reason: "dry run: would set once the pick's pipeline runs" };
    return planned;
  }
  const { rest, project } = gitlab;
  let mr: MergeRequestDetails;
  let action: PickMergeRequest["action"];
  const [open] =
    report.status === "branch exists"
      ? await rest.run(OPEN_MERGE_REQUESTS, { project, source: branch!, target: env.branch })
      : [];
  if (report.status === "branch exists" && !open) {
    // An earlier run made the branch and stopped before its merge request: finish its work.
    const again = await options.replan();
    if (again.status !== "picked" && again.status !== "conflict")
      throw new EnvsyncError("branch-exists", `branch ${branch} already exists`, {
        hint: "it has no open merge request and nothing is left to pick; delete the branch",
      });
    const unresolved = again.conflict?.files.filter((f) => f.tier !== 1).map((f) => f.path);
    Object.assign(report, {
      ...again,
      dry_run: false,
      branch,
      resumed: true,
      ...(again.conflict ? { conflict: { ...again.conflict, left_as_markers: unresolved } } : {}),
    });
    plan = planOf(config, env, report, options.source, gitlab.baseUrl);
  }
  if (open) {
    mr = await rest.run(MERGE_REQUEST_DETAILS, { project, iid: open.iid });
    action = "exists";
  } else {
    await options.push(branch!);
    mr = await rest.run(CREATE_PICK_MERGE_REQUEST, {
      project,
      source: branch!,
      target: env.branch,
      title: plan.shown.title,
      description: plan.description,
      labels: plan.shown.labels,
      assigneeIds: plan.shown.assignee_ids ?? [],
      reviewerIds: plan.shown.reviewer_ids ?? [],
      ...(plan.shown.milestone_id === undefined ? {} : { milestoneId: plan.shown.milestone_id }),
    });
    action = "created";
  }
  const draft = Boolean(mr.draft);
  const result: PickMergeRequest = {
    ...plan.shown,
    action,
    iid: mr.iid,
    web_url: mr.web_url,
    title: mr.title,
    draft,
    labels: mr.labels,
  };
  let me: { id: number; username: string } | undefined;
  const own = async (iid: number) => {
    me ??= await tokenUser(gitlab);
    const notes = await rest.run(NOTES, { project, kind: "merge_requests", iid });
    return notes.filter((n) => n.author.id === me!.id);
  };
  const waitsOnConflicts = draft && mr.labels.includes(config.cherry_pick.conflict_label);
  if (waitsOnConflicts && options.resolver !== "none")
    result.resolver = await askResolver(gitlab, config, mr, report, own, options.resolver);
  if (options.source) {
    const tag = `<!-- envsync:picked-to:${env.name}:${mr.iid} -->`;
    const exists = (await own(options.source.iid)).some((n) => n.body.includes(tag));
    if (!exists)
      await rest.run(CREATE_NOTE, {
        project,
        kind: "merge_requests",
        iid: options.source.iid,
        body: `EnvSync picked this merge request to ${code(env.name)} in ${instanceLink(`!${count(mr.iid)}`, mr.web_url, gitlab.baseUrl)}${waitsOnConflicts ? " (a draft: conflicts wait for review)" : ""}.\n\n${tag}`,
      });
    result.source_note = { action: exists ? "exists" : "added", iid: options.source.iid };
  }
  if (options.autoMerge)
    result.auto_merge = draft
      ? {
          set: false,
          reason: "a draft is not merged automatically: resolve it, then mark it ready",
        }
      : await autoMergeWhenPipelineRuns(gitlab, { iid: mr.iid, branch: branch!, head: mr.sha });
  return result;
}

/** Title, labels, people and description of the pick's merge request. */
function planOf(
  config: ResolvedConfig,
  env: ResolvedEnvironment,
  report: CherryPickReport,
  source: MergedMergeRequest | undefined,
  baseUrl: string | undefined,
): {
  shown: Omit<PickMergeRequest, "action" | "iid" | "web_url">;
  description: string;
} {
  const conflict = report.status === "conflict";
  const carry = new Set(source ? config.cherry_pick.carry : []);
  // Under --dry-run the conflicting commit is not among the picks yet; it will be.
  const picks =
    report.picked.length + (report.conflict && !report.conflict.left_as_markers ? 1 : 0);
  // GitLab reads mentions and references in a title too: no outside text goes in it.
  const what = source ? `!${source.iid}` : `${picks} commit${picks === 1 ? "" : "s"}`;
  const title = `${conflict ? "Draft: " : ""}Cherry-pick ${what} to ${env.name}${conflict ? " (conflicts)" : ""}`;
  const labels = [
    ...config.promotion.merge_request.labels,
    ...(conflict ? [config.cherry_pick.conflict_label] : []),
    ...(carry.has("labels") ? (source?.details.labels ?? []) : []),
  ].filter((l, i, all) => all.indexOf(l) === i && !l.includes(","));
  const people = (key: "assignees" | "reviewers") =>
    carry.has(key) ? (source?.details[key] ?? []).map((p) => p.id) : [];
  const milestone = carry.has("milestone") ? source?.details.milestone?.id : undefined;
  return {
    shown: {
      title,
      draft: conflict,
      labels,
      ...(people("assignees").length > 0 ? { assignee_ids: people("assignees") } : {}),
      ...(people("reviewers").length > 0 ? { reviewer_ids: people("reviewers") } : {}),
      ...(milestone === undefined ? {} : { milestone_id: milestone }),
    },
    description: pickDescription(report, source, baseUrl),
  };
}

/** The pick merge request's description. */
export function pickDescription(
  report: CherryPickReport,
  source?: MergedMergeRequest,
  baseUrl?: string,
): string {
  const lines = ["Opened by `envsync cherry-pick`."];
  if (source)
    lines.push(
      "",
      `Picks ${baseUrl ? instanceLink(`!${count(source.iid)}`, source.web_url, baseUrl) : `!${count(source.iid)}`} ` +
        `(${code(source.title)}), merged into ${inlineCode(source.target_branch)} ` +
        `by ${source.method === "merge commit" ? "a merge commit" : source.method === "squash" ? "a squash commit" : "fast-forward"}.`,
    );
  lines.push("", "### Picks");
  for (const p of report.picked) {
    lines.push(`- ${shortSha(p.sha)} ${inlineCode(p.subject)}`);
    for (const t of p.tier1)
      lines.push(`  - tier 1: ${inlineCode(t.path)} resolved by ${t.rule} (${t.strategy})`);
    for (const path of p.kept ?? [])
      lines.push(`  - kept ${inlineCode(path)} as it is on the target (drift.expected)`);
  }
  if (report.skipped.length > 0) {
    lines.push("", "### Already on the branch");
    for (const s of report.skipped)
      lines.push(
        `- ${shortSha(s.sha)} ${inlineCode(s.subject)} (${s.evidence}${s.on_target ? ` ${shortSha(s.on_target)}` : ""})`,
      );
  }
  const conflict = report.conflict;
  if (conflict?.left_as_markers) {
    const open = conflict.files.filter((f) => f.tier !== 1);
    lines.push(
      "",
      "### Conflicts that need judgement",
      `This merge request is a draft: the pick of ${shortSha(conflict.sha)} ${inlineCode(conflict.subject)} ` +
        "is committed with git's conflict markers in the files below; tier-1 files were resolved by their rule.",
    );
    for (const f of open) {
      lines.push("", `#### ${inlineCode(f.path)}: tier ${count(f.tier)}`, code(f.reason, 300));
      for (const [i, h] of f.hunks.entries())
        lines.push(
          "",
          `Hunk ${count(i + 1)}, the target's side (ours):`,
          codeBlock(h.ours),
          "The picked commit's side (theirs):",
          codeBlock(h.theirs),
        );
    }
    if (conflict.prerequisites.length > 0) {
      lines.push(
        "",
        "### Prerequisites",
        "The target lacks earlier commits that last touched these lines (oldest first); picking them together may remove the conflict:",
        ...conflict.prerequisites.map((p) => `- ${shortSha(p.sha)} ${inlineCode(p.subject)}`),
        "",
        codeBlock(conflict.with_prerequisites ?? ""),
      );
    }
    if (conflict.not_picked.length > 0)
      lines.push(
        "",
        "### Not picked yet",
        "These requested commits come after the conflicting one; pick them once it is resolved:",
        ...conflict.not_picked.map((s) => `- ${shortSha(s)}`),
      );
    lines.push(
      "",
      "### To finish",
      codeBlock(
        [
          `git fetch origin ${report.branch ?? ""}`,
          `git switch ${report.branch ?? ""}`,
          `# resolve the markers in: ${conflict.left_as_markers.join(" ")}`,
          `git commit -am "Resolve cherry-pick conflicts" && git push`,
        ].join("\n"),
      ),
      "Then mark this merge request ready. The conflict-resolver flow posts proposals as suggestions on the diff.",
    );
  }
  lines.push(
    "",
    "### Checks",
    ...(conflict?.left_as_markers ? ["- [ ] no conflict marker is left"] : []),
    "- [ ] the pipeline passes",
    "- [ ] tier-1 resolutions reviewed",
    `- [ ] \`envsync drift --to ${report.environment}\` shows no new drift after merge`,
  );
  return lines.join("\n");
}

/**
 * Starts the conflict-resolver flow on the draft, once (a hidden marker in EnvSync's own note):
 * through the workflows API when asked (where GitLab has it), else by mentioning its service
 * account in a note whose only mention is that account.
 */
async function askResolver(
  gitlab: GitLabForPick,
  config: ResolvedConfig,
  mr: MergeRequestDetails,
  report: CherryPickReport,
  own: (iid: number) => Promise<{ body: string }[]>,
  how: "mention" | "api",
): Promise<NonNullable<PickMergeRequest["resolver"]>> {
  const flow = `${config.catalog.name_prefix}-conflict-resolver`;
  const consumer = await findFlowConsumer(
    gitlab.graphql,
    gitlab.project,
    config,
    "conflict-resolver",
  );
  if (!consumer)
    return {
      action: "skipped",
      reason: `the ${flow} flow is not enabled in ${gitlab.project}: run \`envsync publish\``,
    };
  const tag = `<!-- envsync:conflict-resolver:${mr.iid} -->`;
  if ((await own(mr.iid)).some((n) => n.body.includes(tag)))
    return { action: "already asked", reason: `the ${flow} flow was asked before` };
  let fallback: string | undefined;
  if (how === "api") {
    try {
      const workflow = await gitlab.rest.run(START_WORKFLOW, {
        body: {
          project_id: gitlab.project,
          goal: `Resolve the cherry-pick conflicts committed as markers on merge request !${mr.iid} (to ${inertJson(report.environment)}): post each tier-2 proposal as a suggestion on the diff with its confidence, and flag each tier-3 hunk with its context.`,
          ai_catalog_item_consumer_id: consumer.id,
          start_workflow: true,
          source_branch: mr.source_branch,
          merge_request_id: mr.iid,
        },
      });
      await gitlab.rest.run(CREATE_NOTE, {
        project: gitlab.project,
        kind: "merge_requests",
        iid: mr.iid,
        body: `EnvSync started the conflict resolver on this draft (session ${count(workflow.id)}).\n\n${tag}`,
      });
      return {
        action: "started",
        reason: "the workflows API started the flow",
        workflow_id: workflow.id,
      };
    } catch (error) {
      // Free tiers and older self-managed versions have no workflows API: mention instead.
      if (!(error instanceof GitLabError) || ![403, 404].includes(error.status)) throw error;
      fallback = `workflows API unavailable (${error.status}); mentioned the flow instead`;
    }
  }
  if (!consumer.username)
    return { action: "skipped", reason: `the ${flow} flow has no service account to mention` };
  const files = (report.conflict?.files ?? [])
    .filter((f) => f.tier !== 1)
    .map((f) => `- ${inlineCode(f.path)}: tier ${count(f.tier)}, ${count(f.hunks.length)} hunk(s)`);
  const body = [
    `@${consumer.username} please resolve the conflicts of this cherry-pick to ${code(report.environment)}: ` +
      "for each hunk between conflict markers, post a suggestion on the diff with the merged text and " +
      "your confidence (tier 2), or flag the hunk with the context a human needs (tier 3).",
    "",
    files.length > 0 ? "Files committed with conflict markers:" : "",
    ...files,
    "",
    tag,
  ].join("\n");
  // The flow reads this note as its goal, inside its prompt's untrusted-data fence.
  await gitlab.rest.run(CREATE_NOTE, {
    project: gitlab.project,
    kind: "merge_requests",
    iid: mr.iid,
    body: fenceSafe(body),
  });
  return {
    action: "mentioned",
    reason: `mentioned @${consumer.username}`,
    ...(fallback ? { fallback } : {}),
  };
}
