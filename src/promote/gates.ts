/**
 * Promotion gates as pure decisions over facts gathered before: each gate passes, fails or is
 * unknown (a fact EnvSync could not get, e.g. without GitLab), and whether the promotion is allowed
 * follows from the configured policy.
 */
import { matcherFor } from "../config/glob.js";
import type { PromotionGates } from "../config/types.js";
import type { RejectedCommit } from "./rejected.js";

/** `notice`: worth a look, never a reason to stop (an informational check under its policy). */
export type GateStatus = "pass" | "fail" | "unknown" | "notice";

export interface GateResult {
  name: "pipeline" | "deployed" | "soak" | "hotfixes" | "rolled_back" | "always_manual";
  status: GateStatus;
  detail: string;
  /** Whether this result stops the promotion, under the configured policy. */
  blocks: boolean;
}

export interface PromotionFacts {
  sourceHead: string;
  /** Undefined: not known (no GitLab). Null: there is none. */
  latestPipeline?: { status: string; sha: string; url?: string } | null;
  lastDeployment?: { sha: string; finishedAt: string | null } | null;
  now: Date;
  missingUpstream: { sha: string; subject: string }[];
  pendingPaths: Map<string, string[]>;
  alwaysManual: readonly string[];
  targetProtected: boolean;
  /**
   * Commits a rollback undid that the promotion would bring again, unfixed. Undefined: not known
   * (the rollback merge requests could not be read).
   */
  rolledBack?: RejectedCommit[];
  /** Why a fact is unknown: GitLab was not asked (no token), or refused the read (its scope). */
  unknownWhy?: Partial<Record<"pipeline" | "deployed" | "rolled_back", string>>;
}

export function evaluateGates(gates: PromotionGates, facts: PromotionFacts): GateResult[] {
  const unknownBlocks =
    gates.unknown === "block" || (gates.unknown === "protected" && facts.targetProtected);
  const result = (
    name: GateResult["name"],
    status: GateStatus,
    detail: string,
    failBlocks = true,
  ): GateResult => ({
    name,
    status,
    detail,
    blocks: status === "fail" ? failBlocks : status === "unknown" ? unknownBlocks : false,
  });
  const short = (sha: string) => sha.slice(0, 10);
  const results: GateResult[] = [];

  if (gates.pipeline) {
    const p = facts.latestPipeline;
    results.push(
      p === undefined
        ? result(
            "pipeline",
            "unknown",
            facts.unknownWhy?.pipeline ?? "the source pipeline is unknown",
          )
        : p === null
          ? result(
              "pipeline",
              "fail",
              `no pipeline ran for the source head ${short(facts.sourceHead)}`,
            )
          : p.status === "success"
            ? result("pipeline", "pass", `pipeline for ${short(p.sha)} succeeded`)
            : result("pipeline", "fail", `the source head's latest pipeline is ${p.status}`),
    );
  }

  const d = facts.lastDeployment;
  if (gates.deployed) {
    results.push(
      d === undefined
        ? result(
            "deployed",
            "unknown",
            facts.unknownWhy?.deployed ?? "the source deployment is unknown",
          )
        : d === null
          ? result("deployed", "unknown", "the source environment has no successful deployment")
          : d.sha === facts.sourceHead
            ? result("deployed", "pass", `the source environment runs ${short(d.sha)}`)
            : result(
                "deployed",
                "fail",
                `the source environment runs ${short(d.sha)}, not the head ${short(facts.sourceHead)}`,
              ),
    );
  }

  if (gates.soak_minutes > 0) {
    const finished = d?.finishedAt ? new Date(d.finishedAt) : undefined;
    if (!finished) {
      results.push(
        result("soak", "unknown", "no finished source deployment to time the soak from"),
      );
    } else {
      const minutes = Math.floor((facts.now.getTime() - finished.getTime()) / 60_000);
      results.push(
        minutes >= gates.soak_minutes
          ? result("soak", "pass", `deployed ${minutes} min ago (soak ${gates.soak_minutes} min)`)
          : result(
              "soak",
              "fail",
              `deployed ${minutes} min ago; the soak is ${gates.soak_minutes} min`,
            ),
      );
    }
  }

  if (gates.hotfixes) {
    const missing = facts.missingUpstream;
    results.push(
      missing.length === 0
        ? result("hotfixes", "pass", "every change on the target is on the source")
        : result(
            "hotfixes",
            "fail",
            `${missing.length} change${missing.length === 1 ? "" : "s"} on the target missing from the source would be reverted: ${missing
              .map((c) => short(c.sha))
              .join(", ")}`,
          ),
    );
  }

  // Checked whenever the promotion asked (it always does): a version a rollback took out stays
  // out until it is fixed.
  const rolledBack = facts.rolledBack;
  if (rolledBack !== undefined || facts.unknownWhy?.rolled_back)
    results.push(
      rolledBack === undefined
        ? result(
            "rolled_back",
            "unknown",
            facts.unknownWhy?.rolled_back ?? "the rollback merge requests are unknown",
          )
        : rolledBack.length === 0
          ? result("rolled_back", "pass", "no commit a rollback undid would be promoted again")
          : result(
              "rolled_back",
              "fail",
              `${rolledBack.length} commit${rolledBack.length === 1 ? "" : "s"} a rollback undid would be promoted again: ${rolledBack
                .map(
                  (c) =>
                    `${short(c.sha)} (rollback of ${c.rollback.environment}, !${c.rollback.merge_request})`,
                )
                .join(
                  ", ",
                )}; revert ${rolledBack.length === 1 ? "it" : "them"} on the source, or name ${rolledBack.length === 1 ? "it" : "each"} in an \`Envsync-Fixes: <sha>\` trailer of the commit that fixes it`,
            ),
    );

  const manual = matcherFor(facts.alwaysManual);
  const touching = [...facts.pendingPaths].filter(([, paths]) => paths.some((p) => manual(p)));
  results.push(
    touching.length === 0
      ? result("always_manual", "pass", "no pending commit touches conflicts.always_manual paths")
      : result(
          "always_manual",
          // Under the "report" policy it informs and allows: a notice, not a failure.
          gates.always_manual === "block" ? "fail" : "notice",
          `pending commits touch always_manual paths and need review: ${touching
            .map(([sha]) => short(sha))
            .join(", ")}`,
        ),
  );
  return results;
}
