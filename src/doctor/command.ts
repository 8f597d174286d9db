import { loadConfig } from "../config/load.js";
import { diagnosePipeline, type DoctorReport } from "./doctor.js";
import { ExitCode } from "../errors.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import type { CommandContext } from "../context.js";
import { rootFor, writeFilesInside } from "../output/files.js";
import { json } from "../output/io.js";
import { table } from "../output/table.js";
import type { DoctorOptions } from "./cli.js";
import { screenPipeline } from "./screen.js";
import { tokenIdentity } from "../gitlab/identity.js";

/** Job logs and compares are read: GitLab does not take CI_JOB_TOKEN there. */
const READ = {
  scope: "read_api",
  jobToken: false,
  project: "doctor",
} as const satisfies GitLabNeeds;

export async function doctorCommand(
  options: DoctorOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  const gitlab = await openGitLab(ctx, READ, { repo: ".", config });
  if (options.screen) {
    const { userId } = await tokenIdentity(gitlab);
    const screen = await screenPipeline(gitlab, gitlab.project, options.pipeline, config, {
      me: userId,
      eventStatus: options.eventStatus,
    });
    io.stdout(options.json ? json(screen) : `${screen.decision}: ${screen.reason}\n`);
    return screen.decision === "diagnose" ? ExitCode.ok : ExitCode.findings;
  }
  const report = await diagnosePipeline(gitlab, gitlab.project, options.pipeline, config);
  if (options.output)
    await writeFilesInside(rootFor(options.output, "file"), [
      { path: options.output, content: json(report) },
    ]);
  io.stdout(options.json ? json(report) : format(report));
  return ExitCode.ok;
}

function format(r: DoctorReport): string {
  const lines = [
    `pipeline ${r.pipeline.id} on ${r.pipeline.ref}${r.pipeline.environment ? ` (${r.pipeline.environment})` : ""}: ${r.pipeline.status}; verdict: ${r.verdict}`,
    r.last_green
      ? `last green: pipeline ${r.last_green.pipeline_id} at ${r.last_green.sha.slice(0, 10)}; ${r.changes_since_green?.commits.length ?? 0} commits since`
      : "no green pipeline on this branch to compare with",
    "",
    table(
      ["confidence", "kind", "hypothesis"],
      r.hypotheses.map((h) => [
        `${Math.round(h.confidence * 100)}%`,
        h.kind,
        `${h.cause}${h.evidence.length ? ` — ${h.evidence.slice(0, 3).join("; ")}` : ""}`,
      ]),
    ).trimEnd(),
    "",
  ];
  if (r.suspects)
    lines.push(
      `suspect commits (${Math.round(r.suspects.confidence * 100)}%): ${r.suspects.commits
        .map((c) => `${c.sha.slice(0, 10)} ${c.title}`)
        .join("; ")}`,
      "",
    );
  for (const job of r.failed_jobs) {
    lines.push(`failed job ${job.name} (${job.stage}) ${job.web_url}`);
    lines.push(
      job.first_error
        ? `  first error, line ${job.first_error.line} (${job.first_error.marker}): ${job.first_error.text}`
        : "  no error line found in the log",
    );
  }
  return `${lines.join("\n")}\n`;
}
