import { loadConfig } from "../config/load.js";
import { requireProject } from "../config/resolve.js";
import { changeNote, dashboardState, previousState, renderDashboard } from "./render.js";
import type { PairDrift } from "../drift/pair.js";
import { ExitCode, usageError } from "../errors.js";
import { originWhenNeeded } from "../gitlab/origin.js";
import { httpFromEnv } from "../gitlab/http.js";
import { notesApi } from "../notify/issue-target.js";
import type { CommandContext } from "../context.js";
import { readText } from "../output/files.js";
import { json } from "../output/io.js";
import { driftLocal } from "../drift/drift.js";

export interface DashboardOptions {
  config: string;
  report?: string;
  repo: string;
  dryRun?: boolean;
  json?: boolean;
}

export async function dashboardCommand(
  options: DashboardOptions,
  ctx: Pick<CommandContext, "io" | "env" | "now" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const origin = await originWhenNeeded(config, ctx.env, options.repo);
  const project = requireProject(config, ctx.env, "the dashboard", origin);
  const pairs = options.report
    ? await readReport(options.report)
    : (await driftLocal(config, { dir: options.repo, env: ctx.env }, config.promotion.pairs)).pairs;
  const description = renderDashboard(pairs, {
    title: config.dashboard.issue_title,
    at: ctx.now(),
    ...(ctx.env.CI_PIPELINE_URL ? { pipelineUrl: ctx.env.CI_PIPELINE_URL } : {}),
  });
  const state = dashboardState(pairs);
  if (options.dryRun) {
    io.stdout(options.json ? json({ dry_run: true, description, state }) : `${description}\n`);
    return ExitCode.ok;
  }
  const needs = { scope: "api", allowJobToken: false, origin } as const;
  const http = httpFromEnv(ctx.env, needs, { ...ctx.http });
  const notes = notesApi(http, project);
  const issue = (await notes.issueTitled(config.dashboard.issue_title, description, true))!;
  let noted = false;
  if (!issue.created) {
    const note = changeNote(previousState(issue.description), state);
    await notes.setDescription(issue.iid, description);
    if (note) {
      await notes.addNote({ kind: "issues", iid: issue.iid }, note);
      noted = true;
    }
  }
  const result = {
    issue: issue.iid,
    created: issue.created,
    changed: issue.created || noted,
    note_posted: noted,
    state,
  };
  io.stdout(
    options.json
      ? json(result)
      : `dashboard issue #${issue.iid} ${issue.created ? "created" : "updated"}${noted ? "; posted what changed" : ""}\n`,
  );
  return ExitCode.ok;
}

async function readReport(path: string): Promise<PairDrift[]> {
  const text = await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `cannot read the drift report ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { hint: "write it with `envsync drift --json > FILE`", code: "report-unreadable" },
    );
  }
  const pairs = (parsed as { pairs?: unknown }).pairs;
  if (!Array.isArray(pairs))
    throw usageError(`${path} is not an envsync drift report (no "pairs")`, {
      hint: "write it with `envsync drift --json > FILE`",
      code: "not-a-drift-report",
    });
  return pairs as PairDrift[];
}
