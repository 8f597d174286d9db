/**
 * Rollback risk from facts gathered elsewhere: what is deployed, the target, the commits between,
 * and each migration's classification. Pure.
 */
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { MigrationFinding } from "./migrations.js";

export type Risk = "low" | "medium" | "high" | "blocked";

export interface Revision {
  sha: string;
  source: "deployment" | "branch head" | "given" | "previous deployment";
  deployment_id?: number;
  at?: string;
}

export interface RollbackAssessment {
  environment: string;
  gitlab_environment: string;
  deployed: Revision;
  target: Revision;
  commits_between: number;
  migrations: MigrationFinding[];
  risk: Risk;
  reasons: string[];
  /** The phrase the policy requires (`confirm production`), or null. */
  confirmation_required: string | null;
}

/** Above this many commits a rollback undoes too much to call it routine. */
export const MANY_COMMITS = 50;

export function assessRollback(
  facts: {
    environment: ResolvedEnvironment;
    deployed: Revision;
    target: Revision;
    commits: number;
    migrations: MigrationFinding[];
  },
  config: ResolvedConfig,
): RollbackAssessment {
  const reasons: string[] = [];
  const by = (c: MigrationFinding["classification"]) =>
    facts.migrations.filter((m) => m.classification === c);
  const irreversible = by("irreversible");
  const unknown = by("unknown");
  const reversible = by("reversible");
  const outside = (m: MigrationFinding) =>
    m.outside_paths ? " (outside rollback.migrations.paths)" : "";
  for (const m of irreversible)
    reasons.push(
      `irreversible migration ${m.path}${m.line ? `:${m.line}` : ""}${outside(m)}: ${m.reason}`,
    );
  for (const m of unknown)
    reasons.push(`migration ${m.path}${outside(m)} may not roll back: ${m.reason}`);
  if (facts.commits > MANY_COMMITS)
    reasons.push(`${facts.commits} commits would be undone (more than ${MANY_COMMITS})`);
  if (reversible.length > 0)
    reasons.push(
      reversible.length === 1
        ? "1 reversible migration must run its down step"
        : `${reversible.length} reversible migrations must run their down steps`,
    );
  if (facts.environment.protected) reasons.push(`${facts.environment.name} is protected`);
  // Found by content: the configured paths missed them, and will miss the next one too.
  const hints = new Map<string, string[]>();
  for (const m of facts.migrations)
    if (m.outside_paths && m.hint) hints.set(m.hint, [...(hints.get(m.hint) ?? []), m.path]);
  for (const [hint, paths] of hints)
    reasons.push(`${paths.join(", ")} found outside rollback.migrations.paths: ${hint}`);

  const risk: Risk =
    irreversible.length > 0
      ? "blocked"
      : unknown.length > 0 || facts.commits > MANY_COMMITS
        ? "high"
        : reversible.length > 0 || facts.environment.protected
          ? "medium"
          : "low";
  if (risk === "low") reasons.push("no migrations between the target and what is deployed");
  const needsConfirmation = config.rollback.require_confirmation.includes(facts.environment.name);
  return {
    environment: facts.environment.name,
    gitlab_environment: facts.environment.gitlab_environment,
    deployed: facts.deployed,
    target: facts.target,
    commits_between: facts.commits,
    migrations: facts.migrations,
    risk,
    reasons,
    confirmation_required: needsConfirmation ? `confirm ${facts.environment.name}` : null,
  };
}
