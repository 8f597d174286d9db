import { loadConfig } from "../config/load.js";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import picomatch from "picomatch";
import {
  changeNote,
  dashboardState,
  previousState,
  renderDashboard,
  type DashboardMeta,
} from "./render.js";
import type { DashboardState } from "./state.js";
import { instanceUrl } from "../gitlab/connection.js";
import { tokenUser } from "../gitlab/identity.js";
import { fleetState, mergeFleetReports, renderFleetDashboard } from "./fleet.js";
import { environmentHealth } from "./health.js";
import type { PairDrift } from "../drift/pair.js";
import { fleetReports, isFleetReport, singleReport } from "./report.js";
import { readLearnReport, renderLearning, withSection } from "./learning.js";
import { ExitCode, usageError } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { notesApi } from "../notify/issue-target.js";
import type { CommandContext } from "../context.js";
import { readText, readTextInside } from "../output/files.js";
import { json, terminalSafe } from "../output/io.js";
import { driftLocal, type FleetDriftReport } from "../drift/drift.js";
import { readProtectionDrift } from "../core/protection-drift.js";
import { GitLabError } from "../gitlab/errors.js";
import { protectionSection } from "./protection.js";
import type { DashboardOptions } from "./cli.js";
import { rollbackRecords } from "../gitlab/rollback-record.js";
import { rollbacksSection } from "./rollbacks.js";

/** The dashboard issue and its notes are written: CI_JOB_TOKEN cannot. */
const WRITE = {
  scope: "api",
  jobToken: false,
  project: "the dashboard",
} as const satisfies GitLabNeeds;

export async function dashboardCommand(
  options: DashboardOptions,
  ctx: Pick<CommandContext, "io" | "env" | "now" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const reports = options.report ? await readReports(options.report) : undefined;
  const meta: DashboardMeta = {
    title: config.dashboard.issue_title,
    at: ctx.now(),
    instance: instanceUrl(ctx.env),
    environments: config.environments,
    ...(ctx.env.CI_PIPELINE_URL ? { pipelineUrl: ctx.env.CI_PIPELINE_URL } : {}),
    ...(reports && "pairs" in reports && reports.generatedAt
      ? { checkedAt: reports.generatedAt }
      : {}),
  };
  const fleet = reports && "fleet" in reports ? mergeFleetReports(reports.fleet) : undefined;
  const pairs = fleet
    ? []
    : ((reports && "pairs" in reports ? reports.pairs : undefined) ??
      (
        await driftLocal(
          config,
          { dir: options.repo, env: ctx.env, fetch: options.fetch },
          config.promotion.pairs,
        )
      ).pairs);
  const learning = options.learnReport
    ? renderLearning(readLearnReport(options.learnReport, await readText(options.learnReport)))
    : [];
  /** Sections read from GitLab (protection, rollbacks), before the hidden state. */
  let sections: string[] = [];
  const render = (): { description: string; state: DashboardState } => {
    if (fleet) {
      const state = fleetState(fleet, stateHash, meta);
      const description = withSection(renderFleetDashboard(fleet, state, meta), learning);
      return { description, state };
    }
    const description = renderDashboard(pairs, meta, [...sections, ...learning]);
    return { description, state: dashboardState(pairs, meta) };
  };
  if (options.dryRun) {
    const { description, state } = render();
    io.stdout(options.json ? json({ dry_run: true, description, state }) : `${description}\n`);
    return ExitCode.ok;
  }
  const gitlab = await openGitLab(ctx, WRITE, { repo: options.repo, config });
  if (!fleet) {
    const managed = config.environments.filter((e) => e.protection);
    if (managed.length > 0)
      sections = protectionSection(await readProtectionDrift(gitlab.rest, gitlab.project, managed));
    // Rollbacks and the commits they keep out: a token GitLab refuses the merge requests to just
    // leaves them out.
    const records = await rollbackRecords(gitlab).catch((error: unknown) => {
      if (error instanceof GitLabError && [401, 403].includes(error.status)) return [];
      throw error;
    });
    sections = [...sections, ...rollbacksSection(records, meta.instance)];
  }
  const me = await tokenUser(gitlab);
  const named = config.dashboard.author;
  const username = terminalSafe(me.username);
  // The assistant trusts a dashboard issue only when dashboard.author opened it: say when it won't.
  if (named === undefined)
    io.stderr(
      `note: set dashboard.author: ${username} in envsync.yaml so the assistant reads this dashboard\n`,
    );
  else if (named.toLowerCase() !== me.username.toLowerCase())
    io.stderr(
      `warning: dashboard.author is ${named}, but this token is ${username}'s: the assistant will not read the dashboard it writes\n`,
    );
  if (!fleet) {
    // Pipelines and deployments join the drift facts; without them the block just lacks health.
    const { health, problem } = await environmentHealth(config, gitlab, ctx.now());
    if (health) meta.health = health;
    else
      io.stderr(
        `note: pipeline and deployment health left out of the dashboard: ${terminalSafe(problem ?? "")}\n`,
      );
  }
  const { description, state } = render();
  const notes = notesApi(gitlab.rest, gitlab.project, me.id);
  const issue = (await notes.dashboardIssue(config.dashboard.issue_title, description, true))!;
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
    author: me.username,
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

/**
 * The drift report(s) named by `--report`: one file, or a glob (`reports/*.json`) of the shard
 * reports of a fleet.
 */
async function readReports(
  spec: string,
): Promise<{ pairs: PairDrift[]; generatedAt?: string } | { fleet: FleetDriftReport[] }> {
  const { dir, files } = await expand(spec);
  const hint = "write it with `envsync drift --json > FILE` (or --all-projects for a fleet)";
  if (files.length === 0)
    throw usageError(`no drift report matches ${spec}`, { hint, code: "report-unreadable" });
  const parsed = await Promise.all(
    files.map(async (file) => {
      // A file the glob reached (not one the user named) is read only if it is no link.
      const text = dir === undefined ? await readText(file) : await readTextInside(dir, file);
      if (text === undefined)
        throw usageError(`cannot read the drift report ${file}: it is gone`, {
          hint,
          code: "report-unreadable",
        });
      try {
        return { file, value: JSON.parse(text) as unknown };
      } catch (error) {
        // JSON.parse quotes the text it stopped at: the position is said, the content never.
        throw usageError(
          `cannot read the drift report ${file}: it is not JSON${jsonErrorAt(text, error)}`,
          { hint, code: "report-unreadable" },
        );
      }
    }),
  );
  const fleet = parsed.filter(({ value }) => isFleetReport(value));
  if (fleet.length > 0) {
    if (fleet.length !== parsed.length)
      throw usageError(`${spec} mixes fleet reports with single-project ones`, {
        hint,
        code: "not-a-drift-report",
      });
    return { fleet: fleetReports(fleet) };
  }
  if (parsed.length > 1)
    throw usageError(`${spec} names several single-project reports; give one`, {
      hint,
      code: "usage",
    });
  return singleReport(parsed[0]!.file, parsed[0]!.value);
}

/**
 * A path, or a glob in its last part (`reports/*.json`): the files, and for a glob the folder they
 * were found in.
 */
async function expand(spec: string): Promise<{ dir?: string; files: string[] }> {
  if (!/[*?[{]/.test(spec)) return { files: [spec] };
  const dir = dirname(spec);
  const matches = picomatch(basename(spec));
  const names = await readdir(dir).catch(() => [] as string[]);
  return {
    dir,
    files: names
      .filter((name) => matches(name))
      .sort()
      .map((name) => join(dir, name)),
  };
}

/** Where JSON.parse stopped, as line and column, when its message says (never the text there). */
function jsonErrorAt(text: string, error: unknown): string {
  const position = /\bposition (\d+)/.exec((error as Error).message)?.[1];
  if (position === undefined)
    return /end of (JSON|data)/i.test((error as Error).message) ? " (it ends early)" : "";
  const before = text.slice(0, Number(position)).split("\n");
  return ` (at line ${before.length}, column ${before.at(-1)!.length + 1})`;
}

function stateHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}
