/**
 * The flows EnvSync compiles, and the least-privilege role of every component in them. The roles are
 * security policy, so they live in code, not in the templates they police.
 */
import type { Role } from "../flowspec/tools.js";

export interface FlowDefinition {
  id: string;
  /** What the flow is for, shown in `envsync build` output and the catalog. */
  summary: string;
  roles: Record<string, Role>;
  readOnly?: boolean;
}

export const FLOWS: readonly FlowDefinition[] = [
  {
    id: "core",
    summary:
      "@envsync commands in issues and MRs: status, drift-check, cherry-pick, promote, rollback, help",
    roles: {
      load_config: "config_loader",
      classify_command: "classifier",
      status_command: "runner",
      drift_check_command: "runner",
      // The engine (`envsync cherry-pick|promote|rollback`) makes every branch and merge request.
      cherry_pick_command: "runner",
      promote_command: "runner",
      rollback_command: "runner",
      post_reply: "reporter",
    },
  },
  {
    id: "pipeline-doctor",
    summary:
      "root cause of a failed pipeline, with a confidence per hypothesis and a code-or-environment verdict",
    roles: {
      load_config: "config_loader",
      screen_event: "runner",
      triage_failure: "runner",
      // Only with rollback.auto: runs `envsync rollback --after-diagnosis`, which opens the MR.
      auto_rollback: "runner",
      post_diagnosis: "reporter",
    },
  },
  {
    id: "rollback-guardian",
    summary:
      "risk of a rollback: deployments, commits and migrations in between, the confirmation required",
    roles: {
      load_config: "config_loader",
      assess_rollback: "runner",
      report_assessment: "reporter",
      report_blocked: "reporter",
    },
  },
  {
    id: "conflict-resolver",
    summary: "three tiers for a conflicting cherry-pick or promotion: rules, proposed merge, human",
    roles: {
      load_config: "config_loader",
      screen_event: "runner",
      classify_conflicts: "runner",
      // `envsync cherry-pick --mr` applies the tier-1 rules and opens the merge request.
      apply_tier1: "runner",
      post_suggestions: "reviewer",
      post_outcome: "reporter",
    },
  },
  {
    id: "assistant",
    summary: "read-only Duo Chat agent for topology, pipeline status and drift questions",
    roles: { assistant: "assistant" },
    readOnly: true,
  },
];

export function flowName(prefix: string, id: string): string {
  return `${prefix}-${id}`;
}
