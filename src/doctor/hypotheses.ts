/**
 * Ranks explanations of a failed pipeline from deterministic evidence. Confidences are heuristic but
 * explicit: each one is built from named signals, listed as evidence, so the flow (and a person)
 * can weigh them.
 */
export interface Hypothesis {
  cause: string;
  kind: "code" | "environment";
  confidence: number;
  evidence: string[];
}

export interface FailureFacts {
  failedJobs: { name: string; errorText?: string; marker?: string; lastGreenSha?: string | null }[];
  failingSha: string;
  /** Changes between the branch's last green run and the failing commit; null when no green run is known. */
  changes: {
    commits: number;
    ciConfig: string[];
    lockfiles: string[];
    manifests: string[];
    other: string[];
    variablesAdded: string[];
    variablesRemoved: string[];
  } | null;
  /** Compared environments where the same jobs last passed, and whether that run had the failing code. */
  compared: { environment: string; jobsPassed: boolean; sameCode: boolean }[];
}

const ENV_MARKERS = new Set(["network", "resources"]);

export function rankHypotheses(facts: FailureFacts): Hypothesis[] {
  const out: Hypothesis[] = [];
  const errors = facts.failedJobs.map((j) => j.errorText ?? "").join("\n");
  const envSignals = facts.failedJobs
    .filter((j) => j.marker && ENV_MARKERS.has(j.marker))
    .map((j) => `${j.name}: ${j.marker} error (${j.errorText})`);
  const c = facts.changes;

  if (c && c.commits === 0) {
    out.push({
      cause: "the same commit passed before: flaky test, runner or service outage",
      kind: "environment",
      confidence: 0.75 + (envSignals.length > 0 ? 0.15 : 0),
      evidence: ["no commits since the last green run", ...envSignals],
    });
  } else if (envSignals.length > 0) {
    out.push({
      cause: "infrastructure: network or resources failed during the job",
      kind: "environment",
      confidence: 0.6,
      evidence: envSignals,
    });
  }
  for (const other of facts.compared) {
    if (other.jobsPassed && other.sameCode) {
      out.push({
        cause: `the same code passes on ${other.environment}: configuration or data differs between the environments`,
        kind: "environment",
        confidence: 0.65,
        evidence: [`${other.environment}'s last green run contains the failing commit`],
      });
    }
  }
  if (c && c.commits > 0) {
    const mentioned = c.other.filter(
      (path) => errors.includes(path) || errors.includes(path.split("/").pop()!),
    );
    if (c.lockfiles.length + c.manifests.length > 0) {
      const packageError = /\b(module|package|dependency|version|resolve|import)\b/i.test(errors);
      out.push({
        cause: "a dependency change since the last green run",
        kind: "code",
        confidence: packageError ? 0.75 : 0.5,
        evidence: [...c.lockfiles, ...c.manifests]
          .map((p) => `changed: ${p}`)
          .concat(packageError ? ["the error mentions modules or packages"] : []),
      });
    }
    if (c.ciConfig.length > 0) {
      const vars = [
        ...c.variablesAdded.map((v) => `variable added: ${v}`),
        ...c.variablesRemoved.map((v) => `variable removed: ${v}`),
      ];
      out.push({
        cause: "a CI configuration change since the last green run",
        kind: "code",
        confidence: vars.length > 0 ? 0.6 : 0.5,
        evidence: [...c.ciConfig.map((p) => `changed: ${p}`), ...vars],
      });
    }
    out.push({
      cause: `a code change in the ${c.commits} commit${c.commits === 1 ? "" : "s"} since the last green run`,
      kind: "code",
      confidence: mentioned.length > 0 ? 0.85 : 0.55,
      evidence:
        mentioned.length > 0
          ? mentioned.map((p) => `the error names ${p}, changed since green`)
          : [
              `${c.commits} commit${c.commits === 1 ? "" : "s"} changed ${c.other.length} file${c.other.length === 1 ? "" : "s"}`,
            ],
    });
  }
  if (out.length === 0)
    out.push({
      cause: "no green run to compare with: read the first error",
      kind: "code",
      confidence: 0.3,
      evidence: facts.failedJobs.map((j) => `${j.name}: ${j.errorText ?? "no error line found"}`),
    });
  return out
    .map((h) => ({ ...h, confidence: Math.min(0.95, Math.round(h.confidence * 100) / 100) }))
    .sort((a, b) => b.confidence - a.confidence);
}

export function verdictOf(hypotheses: Hypothesis[]): "code" | "environment" | "unknown" {
  const top = hypotheses[0];
  if (!top || top.confidence < 0.5) return "unknown";
  const runnerUp = hypotheses.find((h) => h.kind !== top.kind);
  return runnerUp && top.confidence - runnerUp.confidence < 0.1 ? "unknown" : top.kind;
}
