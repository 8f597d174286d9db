import { usageError, type EnvsyncError } from "../errors.js";
import { resolveProtection } from "./protection.js";
import type { ParsedConfig } from "./schema.js";
import { closest } from "./suggest.js";
import { resolveTriggers } from "./triggers-schema.js";
import type { ResolvedConfig, ResolvedEnvironment } from "./types.js";

/** Fills the defaults that depend on other parts of the file. Input must have passed rules.ts. */
export function resolveConfig(parsed: ParsedConfig): ResolvedConfig {
  const environments: ResolvedEnvironment[] = Object.entries(parsed.environments).map(
    ([name, env]) => {
      const protection = resolveProtection(env.risk, env.protection);
      return {
        name,
        branch: env.branch,
        gitlab_environment: env.gitlab_environment ?? name,
        protected: env.protected,
        ...(env.deploy_jobs ? { deploy_jobs: env.deploy_jobs } : {}),
        ...(protection ? { protection } : {}),
      };
    },
  );
  const chain = parsed.promotion.chain ?? environments.map((e) => e.name);
  const pairs = chain.slice(1).map((to, i) => ({ from: chain[i]!, to }));

  const compareWith: Record<string, string[]> = {};
  for (const env of environments) {
    const explicit = parsed.pipeline_doctor.compare_with;
    if (explicit) {
      compareWith[env.name] = explicit.filter((name) => name !== env.name);
    } else {
      const at = chain.indexOf(env.name);
      compareWith[env.name] =
        at < 0 ? [] : [chain[at - 1], chain[at + 1]].filter((n): n is string => n !== undefined);
    }
  }

  return {
    version: 1,
    ...(parsed.project ? { project: parsed.project } : {}),
    environments,
    promotion: {
      chain,
      pairs,
      merge_request: { ...parsed.promotion.merge_request },
      gates: { ...parsed.promotion.gates },
    },
    drift: {
      expected: parsed.drift.expected.map((rule) => ({
        paths: rule.paths,
        between: rule.between ?? chain,
        reason: rule.reason,
      })),
      ignore: parsed.drift.ignore,
      schedule: parsed.drift.schedule.trim().split(/\s+/).join(" "),
    },
    conflicts: {
      auto_resolve: parsed.conflicts.auto_resolve.map((rule) => ({
        paths: rule.paths,
        strategy: rule.strategy,
        ...(rule.command ? { command: rule.command } : {}),
      })),
      ai_confidence_threshold: parsed.conflicts.ai_confidence_threshold,
      always_manual: parsed.conflicts.always_manual,
      categories: parsed.conflicts.categories.map((c) => ({
        name: c.name,
        paths: c.paths,
        threshold: c.threshold ?? parsed.conflicts.ai_confidence_threshold,
      })),
      learning: { ...parsed.conflicts.learning },
    },
    rollback: {
      migrations: { paths: parsed.rollback.migrations.paths },
      require_confirmation:
        parsed.rollback.require_confirmation ??
        environments.filter((e) => e.protected).map((e) => e.name),
      auto: parsed.rollback.auto,
    },
    pipeline_doctor: {
      enabled: parsed.pipeline_doctor.enabled,
      compare_with: compareWith,
      log_lines: parsed.pipeline_doctor.log_lines,
    },
    dashboard: {
      issue_title: parsed.dashboard.issue_title,
      ...(parsed.dashboard.author === undefined ? {} : { author: parsed.dashboard.author }),
    },
    cherry_pick: {
      carry: [...parsed.cherry_pick.carry],
      conflict_label: parsed.cherry_pick.conflict_label,
    },
    projects: parsed.projects.map((project) => ({
      path: project.path,
      environments: environments.map((env) => {
        const override = project.environments?.[env.name];
        return {
          name: env.name,
          branch: override?.branch ?? env.branch,
          gitlab_environment: override?.gitlab_environment ?? env.gitlab_environment,
          protected: override?.protected ?? env.protected,
          ...(env.deploy_jobs ? { deploy_jobs: env.deploy_jobs } : {}),
        };
      }),
    })),
    catalog: {
      ...(parsed.catalog.group ? { group: parsed.catalog.group } : {}),
      ...(parsed.catalog.project ? { project: parsed.catalog.project } : {}),
      name_prefix: parsed.catalog.name_prefix,
      public: parsed.catalog.public,
      triggers: [...new Set(parsed.catalog.triggers)],
      generic_api_tools: parsed.catalog.generic_api_tools,
    },
    triggers: resolveTriggers(parsed.triggers, parsed.catalog.triggers),
  };
}

export function findEnvironment(
  config: ResolvedConfig,
  name: string,
): ResolvedEnvironment | undefined {
  return config.environments.find((env) => env.name === name);
}

/** The environments of `project`: its `projects[]` entry's, else the top-level chain's. */
export function environmentsOf(config: ResolvedConfig, project: string): ResolvedEnvironment[] {
  return config.projects.find((p) => p.path === project)?.environments ?? config.environments;
}

/** The environment a command line names, or a usage error with a did-you-mean. */
export function requireEnvironment(config: ResolvedConfig, name: string): ResolvedEnvironment {
  const env = findEnvironment(config, name);
  if (env) return env;
  const names = config.environments.map((e) => e.name);
  const guess = closest(name, names);
  throw usageError(`'${name}' is not an environment in the config`, {
    hint: guess ? `did you mean '${guess}'?` : `environments: ${names.join(", ")}`,
    code: "unknown-environment",
  });
}

/**
 * The GitLab project a command acts on: `project` in envsync.yaml, else the CI job's project
 * (`CI_PROJECT_PATH`, or `GITLAB_PROJECT_PATH` in a Duo flow's job), else the origin remote's.
 */
export function requireProject(
  config: Pick<ResolvedConfig, "project">,
  env: Readonly<Record<string, string | undefined>>,
  who: string,
  origin?: { project: string },
): string {
  const project =
    config.project ?? env.CI_PROJECT_PATH ?? env.GITLAB_PROJECT_PATH ?? origin?.project;
  if (!project) throw projectUnknown(who);
  return project;
}

/** No project is known where `who` needs one. */
export function projectUnknown(who: string): EnvsyncError {
  return usageError(
    `${who} needs the project: set \`project\` in envsync.yaml (or run in GitLab CI)`,
    { code: "project-unknown" },
  );
}
