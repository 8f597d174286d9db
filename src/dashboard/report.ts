/**
 * The drift reports `dashboard --report` reads: files another job wrote, so data from outside.
 * Each is checked against the shape of `envsync drift --json` (types, whole counts, hex shas, ISO
 * dates, statuses from git's set) before anything is rendered, and shard reports must agree: one
 * shard count, each project on the shard that reports it. A file that does not fit is refused
 * with its name and where it went wrong, never with its content.
 */
import * as z from "zod";
import type { FleetDriftReport } from "../drift/drift.js";
import type { PairDrift } from "../drift/pair.js";
import { usageError } from "../errors.js";
import { shardOf } from "../fleet/shard.js";
import { ISO_DATE } from "../gitlab/markdown.js";
import { terminalSafe } from "../output/io.js";

const count = z.number().int().nonnegative();
const sha = z.string().regex(/^[0-9a-f]{7,64}$/, "not a commit sha");
const date = z.string().regex(ISO_DATE, "not an ISO 8601 date");
const name = z.string().min(1).max(255);
/** git's name-status letters, with a similarity score for renames and copies. */
const status = z.string().regex(/^[ACDMRTUX]\d{0,3}$/, "not a file status");
const path = z.string().min(1).max(4096);

const commit = z.object({ sha, subject: z.string(), author: z.string(), date });

const PAIR = z.object({
  from: name,
  to: name,
  from_branch: name,
  to_branch: name,
  from_sha: sha,
  to_sha: sha,
  pending: z.array(commit),
  applied: z.array(
    z.object({ sha, to_sha: sha, evidence: z.enum(["patch-id", "trailer", "fingerprint"]) }),
  ),
  missing_upstream: z.array(commit),
  environment_local: z.object({ upstream: z.array(commit), downstream: z.array(commit) }),
  files: z.object({
    unexpected: z.array(
      z.object({ path, status, old_path: path.optional(), pending: z.boolean() }),
    ),
    expected: z.array(
      z.object({
        path,
        status,
        old_path: path.optional(),
        rule: z.string(),
        reason: z.string(),
      }),
    ),
  }),
  counts: z.object({
    pending: count,
    applied: count,
    missing_upstream: count,
    environment_local: count,
    unexpected_files: count,
    drifted_files: count,
    expected_files: count,
  }),
}) satisfies z.ZodType<PairDrift>;

const SINGLE = z.object({ generated_at: date.optional(), pairs: z.array(PAIR) });

/** A project path as GitLab spells one: groups and a name. */
const PROJECT_PATH = z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, "not a project path");

const FLEET = z.object({
  mode: z.literal("api"),
  shard: z
    .object({ index: z.number().int().min(1), count: z.number().int().min(1).max(1000) })
    .refine((s) => s.index <= s.count, "the shard index is larger than the shard count")
    .optional(),
  generated_at: date.optional(),
  requests: count,
  projects: z.array(
    z.object({
      project: PROJECT_PATH,
      pairs: z.array(PAIR).optional(),
      error: z.string().max(4096).optional(),
    }),
  ),
}) satisfies z.ZodType<FleetDriftReport>;

const HINT = "write it with `envsync drift --json > FILE` (or --all-projects for a fleet)";

/** Where a report went wrong, for people: the place in it and zod's words, terminal-safe. */
function refusal(file: string, error: z.ZodError): never {
  const issue = error.issues[0]!;
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw usageError(
    `${file} is not an envsync drift report${terminalSafe(where).slice(0, 80)}: ${terminalSafe(issue.message).slice(0, 120)}`,
    { hint: HINT, code: "not-a-drift-report" },
  );
}

/** One project's report (`{ pairs }`), checked, with when it was made where it says. */
export function singleReport(
  file: string,
  value: unknown,
): { pairs: PairDrift[]; generatedAt?: string } {
  const parsed = SINGLE.safeParse(value);
  if (!parsed.success) refusal(file, parsed.error);
  const { pairs, generated_at } = parsed.data;
  return generated_at === undefined ? { pairs } : { pairs, generatedAt: generated_at };
}

/** Whether a report is a fleet's (it lists projects) rather than one project's. */
export function isFleetReport(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { projects?: unknown }).projects)
  );
}

/**
 * Shard reports, checked one by one and then together: every report of a sharded fleet names its
 * shard, all name the same count, and each lists only projects of its own shard.
 */
export function fleetReports(
  files: readonly { file: string; value: unknown }[],
): FleetDriftReport[] {
  const reports = files.map(({ file, value }) => {
    const parsed = FLEET.safeParse(value);
    if (!parsed.success) refusal(file, parsed.error);
    return { file, report: parsed.data };
  });
  const inconsistent = (message: string) =>
    usageError(message, {
      hint: "give the shard reports of one `drift --all-projects --shard I/N` run, each from its own job",
      code: "shard-reports-inconsistent",
    });
  const sharded = reports.filter((r) => r.report.shard);
  if (sharded.length > 0 && sharded.length < reports.length)
    throw inconsistent(
      `${reports.find((r) => !r.report.shard)!.file} names no shard, unlike the other reports`,
    );
  const counts = new Set(sharded.map((r) => r.report.shard!.count));
  if (counts.size > 1)
    throw inconsistent(`the shard reports disagree on the shard count (${[...counts].join(", ")})`);
  if (!sharded.length && reports.length > 1)
    throw inconsistent("several fleet reports, none naming its shard");
  for (const { file, report } of sharded) {
    const { index, count } = report.shard!;
    const stranger = report.projects.find((p) => shardOf(p.project, count) !== index);
    if (stranger)
      throw inconsistent(
        `${file} is shard ${index}/${count} but lists ${stranger.project}, a project of shard ${shardOf(stranger.project, count)}`,
      );
  }
  return reports.map((r) => r.report);
}
