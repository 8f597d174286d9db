/**
 * The dashboard issue's hidden state block, `<!-- envsync:dashboard {json} -->`: a versioned
 * contract. `envsync dashboard` writes it and reads the previous one back (to tell what changed);
 * the assistant agent reads it to answer from the scheduled check's facts. Its JSON Schema,
 * docs/dashboard-state.schema.json, is generated from the zod schema below (a test holds the two
 * equal). Whatever can edit an issue description can put anything there, so every read checks the
 * block by type and shape, and a block of another version is not read as this one.
 */
import * as z from "zod";
import { ISO_DATE } from "../gitlab/markdown.js";

/**
 * The schema is closed (no field beyond those below), so any change to the fields bumps it, and a
 * reader never takes a block of another version for this one.
 */
export const DASHBOARD_STATE_VERSION = 1;

/** A name, not a location: the file ships in the package's docs/. */
const SCHEMA_ID = `urn:envsync:schema:dashboard-state:${DASHBOARD_STATE_VERSION}`;

const count = z.number().int().nonnegative();
const sha = z.string().regex(/^[0-9a-f]{7,64}$/);
const time = z.string().regex(ISO_DATE).describe("ISO 8601 date and time (UTC).");
const name = z.string().min(1).max(255);
const projectPath = z
  .string()
  .regex(/^[\w.-]+(\/[\w.-]+)+$/)
  .max(1000)
  .describe("The GitLab project (fleet dashboards only).");

const pairState = z.strictObject({
  pair: z
    .string()
    .max(1000)
    .describe("`FROM>TO`, or `PROJECT FROM>TO` on a fleet dashboard: the key a change is told by."),
  project: projectPath.optional(),
  from: name.describe("The upstream environment."),
  to: name.describe("The downstream environment."),
  checked_at: time.describe("When this pair's drift was computed (the drift report's time)."),
  pending: count.describe("Commits of FROM waiting for promotion to TO."),
  missing_upstream: count.describe("Hotfixes on TO that FROM lacks."),
  drifted_files: count.describe(
    "Files that differ with no pending promotion or rule to explain it.",
  ),
  missing_shas: z.array(sha).describe("The commits counted in missing_upstream."),
});

const health = z
  .strictObject({
    checked_at: time.describe("When GitLab was asked."),
    head_sha: sha.nullable().describe("The branch's head commit."),
    pipeline: z
      .strictObject({
        status: z
          .string()
          .regex(/^[a-z_]{1,40}$/)
          .describe("GitLab's status of the branch's latest pipeline, in lower case."),
        created_at: time,
      })
      .nullable(),
    deployment: z
      .strictObject({
        sha: sha.nullable(),
        finished_at: time.nullable(),
        deploys_head: z.boolean().describe("The last successful deployment runs the branch head."),
      })
      .nullable()
      .describe("The last successful deployment to the environment's GitLab environment."),
  })
  .describe("Pipeline and deployment health, when the check could read them.");

export type EnvironmentHealth = z.output<typeof health>;

const environmentState = z.strictObject({
  project: projectPath.optional(),
  environment: name,
  branch: z.string().min(1).max(1000),
  protected: z
    .boolean()
    .describe("envsync.yaml marks it protected: writes into it need `confirm ENV`."),
  health: health.optional(),
});

/** Version 1 of the state block, as written and as read. */
export const dashboardStateSchema = z
  .strictObject({
    schema_version: z.literal(DASHBOARD_STATE_VERSION),
    envsync_version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/)
      .describe("The version of EnvSync that wrote the block."),
    kind: z.enum(["project", "fleet"]).describe("One project's dashboard, or a fleet's."),
    written_at: time.describe("When `envsync dashboard` wrote this description."),
    hash: z
      .string()
      .regex(/^[0-9a-f]{1,64}$/)
      .describe("Changes when the drift facts change (never with the times alone)."),
    pairs: z.array(pairState).describe("Drift per environment pair, upstream first."),
    environments: z
      .array(environmentState)
      .describe("The environments of the chain as envsync.yaml had them at the check."),
  })
  .describe("The state block of EnvSync's dashboard issue.");

export type DashboardState = z.output<typeof dashboardStateSchema>;

/**
 * A block written before the contract was versioned: still read, so the first run of a newer
 * EnvSync tells real changes from the upgrade (it posts no note for an unchanged hash).
 */
const unversionedSchema = z.object({
  hash: z.string().regex(/^[0-9a-f]{1,64}$/),
  pairs: z.array(
    z.object({
      pair: z.string().max(1000),
      pending: count,
      missing_upstream: count,
      drifted_files: count,
      missing_shas: z.array(sha),
    }),
  ),
});

/** What the change note compares: the hash and the counts per pair, from either form. */
export type StateSummary = z.output<typeof unversionedSchema> & { schema_version?: number };

/**
 * A parsed block by shape: version 1 as itself, an unversioned block as its summary; a block that
 * names any other version (or none but fits neither) is not read.
 */
export function parseDashboardState(value: unknown): StateSummary | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if ("schema_version" in value) {
    const parsed = dashboardStateSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }
  const legacy = unversionedSchema.safeParse(value);
  return legacy.success ? legacy.data : undefined;
}

/** JSON Schema 2020-12 of version 1, for readers other than EnvSync (docs/dashboard-state.schema.json). */
export function dashboardStateJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(dashboardStateSchema, {
    target: "draft-2020-12",
    io: "output",
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, title: "EnvSync dashboard state", ...rest };
}

export function renderDashboardStateJsonSchema(): string {
  return `${JSON.stringify(dashboardStateJsonSchema(), null, 2)}\n`;
}
