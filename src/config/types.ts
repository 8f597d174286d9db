/**
 * ResolvedConfig: the one typed, fully defaulted view of envsync.yaml that every later module
 * consumes. Nothing downstream reads raw YAML or re-applies defaults.
 */
import type { ResolvedProtection } from "./protection.js";
import type { RollbackAuto } from "./rollback-auto.js";
import type { ResolvedTriggers } from "./triggers-schema.js";
import type { CherryPickConfig } from "./cherry-pick-schema.js";

export type Strategy = "regenerate" | "ours" | "theirs" | "union";
export type TriggerType = "mention" | "assign" | "assign_reviewer";

export interface ResolvedEnvironment {
  name: string;
  branch: string;
  gitlab_environment: string;
  protected: boolean;
  /** Jobs that deploy it, where envsync.yaml names them (else found in .gitlab-ci.yml). */
  deploy_jobs?: string[];
  /** What GitLab's protection of it should be (`envsync protect`); absent: not managed. */
  protection?: ResolvedProtection;
}

export interface PromotionPair {
  from: string;
  to: string;
}

export interface ExpectedDifference {
  paths: string[];
  /** Environments the rule covers; it applies to a pair when both ends are listed. */
  between: string[];
  reason: string;
}

export interface PromotionGates {
  pipeline: boolean;
  deployed: boolean;
  soak_minutes: number;
  hotfixes: boolean;
  always_manual: "report" | "block";
  unknown: "block" | "allow" | "protected";
}

export interface AutoResolveRule {
  paths: string[];
  strategy: Strategy;
  command?: string;
}

export interface ResolvedProject {
  path: string;
  /** Same order and names as the top-level environments, with this project's overrides applied. */
  environments: ResolvedEnvironment[];
}

export interface ResolvedConfig {
  version: 1;
  project?: string;
  /** In file order. */
  environments: ResolvedEnvironment[];
  promotion: {
    gates: PromotionGates;
    chain: string[];
    /** Adjacent pairs of the chain, upstream first. */
    pairs: PromotionPair[];
    merge_request: { labels: string[]; squash: boolean; remove_source_branch: boolean };
  };
  drift: { expected: ExpectedDifference[]; ignore: string[]; schedule: string };
  conflicts: {
    auto_resolve: AutoResolveRule[];
    ai_confidence_threshold: number;
    always_manual: string[];
    /** Tier-2 categories in file order; each threshold defaulted to ai_confidence_threshold. */
    categories: { name: string; paths: string[]; threshold: number }[];
    learning: { author?: string; label: string; target: number };
  };
  rollback: {
    migrations: { paths: string[] };
    require_confirmation: string[];
    auto: RollbackAuto;
  };
  pipeline_doctor: {
    enabled: boolean;
    /** For each environment, the environments whose last green run a failure is compared with. */
    compare_with: Record<string, string[]>;
    log_lines: number;
  };
  dashboard: {
    issue_title: string;
    /** The username of EnvSync's account: the assistant trusts only its dashboard issue. */
    author?: string;
  };
  cherry_pick: CherryPickConfig;
  projects: ResolvedProject[];
  catalog: {
    group?: string;
    project?: string;
    name_prefix: string;
    public: boolean;
    triggers: TriggerType[];
    generic_api_tools: boolean;
  };
  /** What starts each flow natively (GitLab flow triggers). */
  triggers: ResolvedTriggers;
}

export interface LoadedConfig {
  /** The path the config was read from, as given. */
  file: string;
  config: ResolvedConfig;
}
