/**
 * The envsync.yaml contract (docs/configuration.md) as a zod schema. Types, defaults and
 * per-value rules live here; rules that relate one part of the file to another (chain members
 * exist, branches unique) live in rules.ts so every one of them is reported with a position.
 */
import * as z from "zod";
import { rollbackAutoSchema } from "./rollback-auto.js";
import { cherryPickSchema } from "./cherry-pick-schema.js";
import { cronError } from "./cron.js";
import { globError } from "./glob.js";
import { categoriesSchema, learningSchema } from "./learning-schema.js";
import { DEFAULT_MIGRATION_PATHS } from "./migration-folders.js";
import { protectionSchema, riskSchema } from "./protection.js";
import { branchNameError } from "./refname.js";
import { triggersSchema } from "./triggers-schema.js";

export const ENV_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const PROJECT_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/;
const GROUP_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$/;

const glob = z
  .string()
  .superRefine((value, ctx) => {
    const problem = globError(value);
    if (problem)
      ctx.addIssue({
        code: "custom",
        message: `invalid glob '${value}': ${problem}`,
        params: { hint: 'quote the glob and balance its brackets, e.g. "config/*.{yml,yaml}"' },
      });
  })
  .describe("A glob relative to the repository root (picomatch syntax: *, **, {a,b}, [abc]).");

const globList = z.array(glob);

const branch = z
  .string()
  .superRefine((value, ctx) => {
    const problem = branchNameError(value);
    if (problem)
      ctx.addIssue({ code: "custom", message: `invalid branch name '${value}': ${problem}` });
  })
  .describe("Git branch that holds this environment's code.");

const envName = z.string().describe("Name of an environment defined under `environments`.");
const threshold = (description: string, fallback: number) =>
  z
    .number()
    .min(0, "must be between 0 and 1")
    .max(1, "must be between 0 and 1")
    .default(fallback)
    .describe(description);

export const environmentSchema = z
  .strictObject({
    branch,
    gitlab_environment: z
      .string()
      .min(1)
      .optional()
      .describe("GitLab environment name used for deployments. Default: the environment's key."),
    deploy_jobs: z
      .array(z.string().min(1).max(255))
      .optional()
      .describe(
        "CI jobs that deploy this environment, read where GitLab refuses a token the deployments " +
          "API (a Duo flow job's). Default: the jobs the branch's .gitlab-ci.yml gives this " +
          "environment.",
      ),
    protected: z
      .boolean()
      .default(false)
      .describe(
        "Writes into this environment (cherry-pick, promote, rollback) need explicit confirmation.",
      ),
    risk: riskSchema,
    protection: protectionSchema,
  })
  .describe("One deployment environment and the branch it is built from.");

const environmentOverrideSchema = z
  .strictObject({
    branch: branch.optional(),
    gitlab_environment: z
      .string()
      .min(1)
      .optional()
      .describe("GitLab environment name in this project."),
    protected: z.boolean().optional().describe("Overrides `protected` for this project."),
  })
  .describe("Per-project override of an environment's settings.");

const mergeRequestSchema = z
  .strictObject({
    labels: z
      .array(z.string().min(1))
      .default(["envsync", "promotion"])
      .describe("Labels put on promotion merge requests."),
    squash: z
      .boolean()
      .default(false)
      .describe("Squash commits when the promotion merge request is merged."),
    remove_source_branch: z
      .boolean()
      .default(false)
      .describe("Delete the source branch after merge."),
  })
  .describe("How promotion merge requests are opened.");

const gatesSchema = z
  .strictObject({
    pipeline: z
      .boolean()
      .default(true)
      .describe("The source branch head's latest pipeline must have succeeded."),
    deployed: z
      .boolean()
      .default(true)
      .describe("The source head must be what the source environment last deployed successfully."),
    soak_minutes: z
      .number()
      .int("must be a whole number")
      .min(0)
      .max(10080)
      .default(0)
      .describe("Minutes that must pass after that deployment before promoting."),
    hotfixes: z
      .boolean()
      .default(true)
      .describe(
        "No hotfix on the target may be missing from the source: promoting over it would revert it.",
      ),
    always_manual: z
      .enum(["report", "block"])
      .default("report")
      .describe("Pending commits touching conflicts.always_manual paths: report them, or block."),
    unknown: z
      .enum(["block", "allow", "protected"])
      .default("protected")
      .describe(
        "Whether a gate EnvSync cannot check (no GitLab, no deployment) blocks: always, never, or for protected targets.",
      ),
  })
  .describe("What must hold before `envsync promote` opens a promotion merge request.");

const expectedDifferenceSchema = z
  .strictObject({
    paths: globList.min(1, "list at least one path glob").describe("Paths allowed to differ."),
    between: z
      .array(envName)
      .min(2, "name at least two environments")
      .optional()
      .describe(
        "Environments between which the difference is expected. Default: every pair in the chain.",
      ),
    reason: z
      .string()
      .min(1)
      .describe("Why these paths differ; shown next to each expected difference."),
  })
  .describe("Paths that are expected to differ between environments, and why.");

const strategy = z.enum(["regenerate", "ours", "theirs", "union"]);

const autoResolveSchema = z
  .strictObject({
    paths: globList.min(1, "list at least one path glob").describe("Files this rule resolves."),
    strategy: strategy.describe(
      "regenerate: run `command` and take its result; ours: keep the target branch's side; theirs: take the picked commit's side; union: keep both sides' lines.",
    ),
    command: z
      .string()
      .min(1)
      .optional()
      .describe("Command that regenerates the files (required for `regenerate`)."),
  })
  .describe("A tier-1 rule: conflicts in these files are resolved without a model.");

const projectSchema = z
  .strictObject({
    path: z
      .string()
      .regex(PROJECT_PATH, "must be a GitLab project path such as 'group/project'")
      .describe("Full path of a GitLab project."),
    environments: z
      .record(envName, environmentOverrideSchema)
      .optional()
      .describe("Per-project overrides, keyed by environment name (e.g. a different branch)."),
  })
  .describe("A project in the fleet that `--all-projects` acts on.");

export const configSchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe("JSON Schema reference for editors; ignored by EnvSync."),
    version: z
      .literal(1, { error: "version must be 1" })
      .describe("Config format version. Always 1."),
    project: z
      .string()
      .regex(PROJECT_PATH, "must be a GitLab project path such as 'group/project'")
      .optional()
      .describe("GitLab project path. Default: the project the flow or CI job runs in."),
    environments: z
      .record(envName, environmentSchema)
      .describe("Environments in promotion order; the order is the default promotion chain."),
    promotion: z
      .strictObject({
        chain: z
          .array(envName)
          .min(2, "a promotion chain needs at least two environments")
          .optional()
          .describe(
            "Order in which changes move between environments. Default: `environments` in order.",
          ),
        merge_request: mergeRequestSchema.prefault({}),
        gates: gatesSchema.prefault({}),
      })
      .prefault({})
      .describe("How changes move from one environment to the next."),
    drift: z
      .strictObject({
        expected: z
          .array(expectedDifferenceSchema)
          .default([])
          .describe("Differences that are fine, with the reason."),
        ignore: globList.default([]).describe("Paths never reported as drift."),
        schedule: z
          .string()
          .default("0 6 * * 1-5")
          .superRefine((value, ctx) => {
            const problem = cronError(value);
            if (problem)
              ctx.addIssue({
                code: "custom",
                message: problem,
                params: { hint: 'use five fields, e.g. "0 6 * * 1-5" for 06:00 on weekdays' },
              });
          })
          .describe("Cron expression for the scheduled CI drift-check."),
      })
      .prefault({})
      .describe("Drift detection between environment branches."),
    conflicts: z
      .strictObject({
        auto_resolve: z
          .array(autoResolveSchema)
          .default([])
          .describe("Tier 1: files resolved by rule, without a model."),
        ai_confidence_threshold: threshold(
          "Tier 2 (proposed merge offered for approval) at or above this confidence, tier 3 below.",
          0.8,
        ),
        always_manual: globList
          .default([])
          .describe("Paths always left to a human (tier 3), whatever the confidence."),
        categories: categoriesSchema,
        learning: learningSchema,
      })
      .prefault({})
      .describe("How conflicting cherry-picks and promotions are resolved."),
    cherry_pick: cherryPickSchema.prefault({}),
    rollback: z
      .strictObject({
        migrations: z
          .strictObject({
            paths: globList
              .default([...DEFAULT_MIGRATION_PATHS])
              .describe(
                "Where migration files live. Default: the folders of Rails, Django, Alembic, " +
                  "Flyway, Liquibase, Prisma, Knex, TypeORM, Sequelize, goose, golang-migrate, " +
                  "dbmate, Laravel and EF Core.",
              ),
          })
          .prefault({}),
        require_confirmation: z
          .array(envName)
          .optional()
          .describe(
            "Environments whose rollback needs explicit confirmation. Default: every protected environment.",
          ),
        // rollback.auto replaced them: `false` still validates; asking for anything is a problem
        // (rules.ts), so no one believes automatic rollback is on.
        auto_rollback_on_failure: z
          .boolean()
          .optional()
          .describe("Superseded by rollback.auto: only false is accepted."),
        min_confidence: z
          .number()
          .optional()
          .describe("Superseded by rollback.auto.min_confidence: not accepted."),
        auto: rollbackAutoSchema,
      })
      .prefault({})
      .describe("Rollback safety policy."),
    pipeline_doctor: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("Triage failed pipelines on environment branches."),
        compare_with: z
          .array(envName)
          .optional()
          .describe(
            "Environments whose last green run is compared with a failure. Default: the neighbours in the chain.",
          ),
        log_lines: z
          .number()
          .int("must be a whole number")
          .min(10)
          .max(5000)
          .default(200)
          .describe("Log lines kept around the first error of each failed job."),
      })
      .prefault({})
      .describe("Failed-pipeline triage."),
    dashboard: z
      .strictObject({
        issue_title: z
          .string()
          .min(1)
          .max(255)
          .default("EnvSync environment health")
          .describe("Title of the issue the scheduled drift-check keeps current."),
        author: z
          .string()
          .regex(
            /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/,
            "must be a GitLab username such as 'project_42_bot_1a2b' (no '@')",
          )
          .optional()
          .describe(
            "GitLab username of the account whose token the scheduled drift-check uses (it opens and edits the dashboard issue). The assistant reads a dashboard issue only when this user opened it.",
          ),
      })
      .prefault({})
      .describe("The environment health dashboard issue."),
    projects: z
      .array(projectSchema)
      .default([])
      .describe("Multi-project fleet; `--all-projects` acts on each."),
    catalog: z
      .strictObject({
        group: z
          .string()
          .regex(GROUP_PATH, "must be a GitLab group path such as 'acme'")
          .optional()
          .describe("Group where the flows and agent are enabled."),
        project: z
          .string()
          .regex(PROJECT_PATH, "must be a GitLab project path such as 'group/project'")
          .optional()
          .describe("Project that owns the catalog items."),
        name_prefix: z
          .string()
          .regex(
            /^[a-z][a-z0-9-]{0,30}$/,
            "use lowercase letters, digits and '-', starting with a letter",
          )
          .default("envsync")
          .describe("Prefix of every published item's name."),
        public: z
          .boolean()
          .default(false)
          .describe("Publish the items publicly in the AI Catalog."),
        triggers: z
          .array(z.enum(["mention", "assign", "assign_reviewer"]))
          .min(1)
          .default(["mention"])
          .describe("What starts the core flow in a project."),
        generic_api_tools: z
          .boolean()
          .default(false)
          .describe(
            "Give the assistant gitlab_api_get and gitlab_graphql, and the core, pipeline-doctor, rollback-guardian and conflict-resolver flows gitlab_api_get (their fallback when the EnvSync CLI is missing). GitLab lists them to catalog agents only when the instance enables the use_generic_gitlab_api_tools feature flag.",
          ),
      })
      .prefault({})
      .describe("Where `envsync publish` puts the flows and the assistant agent."),
    triggers: triggersSchema,
  })
  .describe("EnvSync configuration (envsync.yaml).");

/** The schema's parsed output: typed and defaulted, before cross-field resolution. */
export type ParsedConfig = z.output<typeof configSchema>;
