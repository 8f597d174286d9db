/**
 * ResolvedConfig → the strings the templates print. Every user-provided value is escaped here, once,
 * for the prompt context (escape.ts); templates only arrange pre-computed text.
 */
import { describeProtection } from "../config/protection.js";
import type { ResolvedConfig } from "../config/types.js";
import { OTHER_CATEGORY } from "../config/learning-schema.js";
import { promptList, promptText } from "./escape.js";

export interface EnvironmentView {
  name: string;
  branch: string;
  gitlabEnvironment: string;
  protected: boolean;
  /** The phrase a command must contain to write into this environment, or null. */
  writeConfirmation: string | null;
  compareWith: string;
  /** The protection envsync.yaml declares for it in GitLab, in words, or null (not managed). */
  protection: string | null;
}

/**
 * What every flow, prompt and partial template renders, bundled or a user's own (`--templates`):
 * docs/flows.md lists each field as the template contract, and a test holds the two equal.
 */
export interface FlowViewModel {
  version: string;
  /**
   * catalog.generic_api_tools: the assistant also gets gitlab_api_get and gitlab_graphql, the core,
   * pipeline-doctor, rollback-guardian and conflict-resolver components gitlab_api_get.
   */
  genericApiTools: boolean;
  flowNames: Record<string, string>;
  project: string | null;
  environments: EnvironmentView[];
  environmentNames: string;
  protectedNames: string;
  chain: string;
  pairs: { from: string; to: string; fromBranch: string; toBranch: string }[];
  expected: { paths: string; between: string; reason: string }[];
  ignore: string;
  driftSchedule: string;
  conflicts: {
    rules: { paths: string; strategy: string; command: string | null }[];
    threshold: string;
    alwaysManual: string;
    /** Tier-2 categories, first match wins, each with its (calibrated) threshold. */
    categories: { name: string; paths: string; threshold: string }[];
    /** The category of files in none of them; its threshold is `threshold`. */
    otherCategory: string;
  };
  rollback: {
    migrationPaths: string;
    requireConfirmation: string;
    /** `rollback.auto` in words: `off`, or the environments and the conditions. */
    autoRollback: string;
    /** `rollback.auto` when it lists environments (the pipeline doctor then rolls back); else null. */
    auto: {
      environments: string;
      /** The same names one by one (the pipeline doctor routes on them). */
      names: string[];
      minConfidence: string;
      cooldownMinutes: string;
    } | null;
  };
  pipelineDoctor: { enabled: boolean; logLines: number };
  projects: { path: string; overrides: string | null }[];
  dashboardTitle: string;
  /** `dashboard.author`: EnvSync's account, whose dashboard issue the assistant reads; or null. */
  dashboardAuthor: string | null;
}

export function buildViewModel(
  config: ResolvedConfig,
  meta: { version: string; flowNames: Record<string, string> },
): FlowViewModel {
  const environments = config.environments.map((env) => ({
    name: promptText(env.name),
    branch: promptText(env.branch),
    gitlabEnvironment: promptText(env.gitlab_environment),
    protected: env.protected,
    writeConfirmation: env.protected ? `confirm ${promptText(env.name)}` : null,
    compareWith: promptList(config.pipeline_doctor.compare_with[env.name] ?? []),
    // Words and numbers of EnvSync's own (the schema's enums), nothing the file spells itself.
    protection: env.protection
      ? `risk ${env.protection.risk}: ${describeProtection(env.protection)}`
      : null,
  }));
  const { auto } = config.rollback;
  const autoRollback =
    auto.environments.length > 0
      ? {
          environments: promptList(auto.environments),
          names: auto.environments.map(promptText),
          minConfidence: String(auto.min_confidence),
          cooldownMinutes: String(auto.cooldown_minutes),
        }
      : null;
  const branchOf = (name: string) =>
    promptText(config.environments.find((e) => e.name === name)?.branch ?? name);
  return {
    version: meta.version,
    genericApiTools: config.catalog.generic_api_tools,
    flowNames: meta.flowNames,
    project: config.project ? promptText(config.project) : null,
    environments,
    environmentNames: promptList(config.environments.map((e) => e.name)),
    protectedNames: promptList(config.environments.filter((e) => e.protected).map((e) => e.name)),
    chain: config.promotion.chain.map(promptText).join(" → "),
    pairs: config.promotion.pairs.map((p) => ({
      from: promptText(p.from),
      to: promptText(p.to),
      fromBranch: branchOf(p.from),
      toBranch: branchOf(p.to),
    })),
    expected: config.drift.expected.map((rule) => ({
      paths: promptList(rule.paths),
      between: promptList(rule.between),
      reason: promptText(rule.reason),
    })),
    ignore: promptList(config.drift.ignore),
    driftSchedule: promptText(config.drift.schedule),
    conflicts: {
      rules: config.conflicts.auto_resolve.map((rule) => ({
        paths: promptList(rule.paths),
        strategy: rule.strategy,
        command: rule.command ? promptText(rule.command) : null,
      })),
      threshold: String(config.conflicts.ai_confidence_threshold),
      alwaysManual: promptList(config.conflicts.always_manual),
      categories: config.conflicts.categories.map((category) => ({
        name: category.name,
        paths: promptList(category.paths),
        threshold: String(category.threshold),
      })),
      otherCategory: OTHER_CATEGORY,
    },
    rollback: {
      migrationPaths: promptList(config.rollback.migrations.paths),
      requireConfirmation: promptList(config.rollback.require_confirmation),
      autoRollback: autoRollback
        ? `on for ${autoRollback.environments} (min_confidence ${autoRollback.minConfidence}, ` +
          `cooldown_minutes ${autoRollback.cooldownMinutes})`
        : "off",
      auto: autoRollback,
    },
    pipelineDoctor: {
      enabled: config.pipeline_doctor.enabled,
      logLines: config.pipeline_doctor.log_lines,
    },
    projects: config.projects.map((project) => {
      const overrides = project.environments.flatMap((env) => {
        const base = config.environments.find((e) => e.name === env.name)!;
        const changes = [
          env.branch !== base.branch ? `branch ${promptText(env.branch)}` : "",
          env.gitlab_environment !== base.gitlab_environment
            ? `GitLab environment ${promptText(env.gitlab_environment)}`
            : "",
          env.protected !== base.protected ? (env.protected ? "protected" : "not protected") : "",
        ].filter(Boolean);
        return changes.length > 0 ? [`${promptText(env.name)}: ${changes.join(", ")}`] : [];
      });
      return {
        path: promptText(project.path),
        overrides: overrides.length > 0 ? overrides.join("; ") : null,
      };
    }),
    dashboardTitle: promptText(config.dashboard.issue_title),
    dashboardAuthor: config.dashboard.author ? promptText(config.dashboard.author) : null,
  };
}
