/**
 * Automatic rollback, opt-in (`rollback.auto`): after the pipeline doctor's diagnosis of a failed
 * pipeline (`envsync doctor --json`, read back by shape), EnvSync rolls an environment back only
 * when every condition holds, and says which one did not otherwise. Pure: the facts come in, the
 * decision and every reason go out.
 */
import * as z from "zod";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { usageError } from "../errors.js";

const SHA = z.string().regex(/^[0-9a-f]{7,64}$/);

/** The part of `doctor --json` the decision reads. */
const DIAGNOSIS = z.object({
  pipeline: z.object({ id: z.number().int(), ref: z.string(), sha: SHA }),
  verdict: z.enum(["code", "environment", "unknown"]),
  suspects: z
    .object({
      commits: z.array(z.object({ sha: SHA, title: z.string() })).max(10_000),
      confidence: z.number().min(0).max(1),
      cause: z.string(),
    })
    .nullable(),
});
export type Diagnosis = z.infer<typeof DIAGNOSIS>;

/** `doctor --json` output as the decision reads it, or a usage error naming the file. */
export function parseDiagnosis(text: string, file: string): Diagnosis {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = DIAGNOSIS.safeParse(value);
  if (!parsed.success)
    throw usageError(`${file} is not the output of \`envsync doctor --json\``, {
      hint: "write it with `envsync doctor --pipeline ID --output FILE`",
      code: "not-a-diagnosis",
    });
  return parsed.data;
}

export interface AutoDecision {
  act: boolean;
  /** Why it acts, or every reason it does not. */
  reasons: string[];
  pipeline_id: number;
  verdict: Diagnosis["verdict"];
  suspects: { sha: string; title: string }[];
  confidence: number | null;
}

export function decideAutoRollback(facts: {
  config: Pick<ResolvedConfig, "rollback">;
  environment: ResolvedEnvironment;
  diagnosis: Diagnosis;
  /** Every commit the rollback would undo. */
  undone: readonly string[];
  /** When this environment's rollback merge requests were opened (ISO dates). */
  recentRollbacks: readonly string[];
  now: Date;
  /** Why the gate blocks the rollback; empty when it does not. */
  blockedBy: readonly string[];
}): AutoDecision {
  const { config, environment, diagnosis } = facts;
  const auto = config.rollback.auto;
  const suspects = diagnosis.suspects;
  const reasons: string[] = [];
  if (!auto.environments.includes(environment.name))
    reasons.push(`${environment.name} is not in rollback.auto.environments`);
  if (diagnosis.pipeline.ref !== environment.branch)
    reasons.push(
      `pipeline ${diagnosis.pipeline.id} ran on ${diagnosis.pipeline.ref}, not on ${environment.branch}`,
    );
  if (!suspects || suspects.commits.length === 0)
    reasons.push(`the doctor's verdict is ${diagnosis.verdict}: it blames no specific commits`);
  else {
    if (suspects.confidence < auto.min_confidence)
      reasons.push(
        `the doctor's confidence ${suspects.confidence} is below rollback.auto.min_confidence ${auto.min_confidence}`,
      );
    const outside = suspects.commits.filter(
      (c) => !facts.undone.some((u) => u.startsWith(c.sha) || c.sha.startsWith(u)),
    );
    if (outside.length > 0)
      reasons.push(
        `the suspects ${outside.map((c) => c.sha.slice(0, 10)).join(", ")} are not among the commits the rollback would undo`,
      );
  }
  const cooldown = auto.cooldown_minutes * 60_000;
  const recent = facts.recentRollbacks
    .map((at) => facts.now.getTime() - new Date(at).getTime())
    .filter((ago) => Number.isFinite(ago) && ago >= 0 && ago < cooldown);
  if (recent.length > 0)
    reasons.push(
      `a rollback of ${environment.name} was opened ${Math.floor(Math.min(...recent) / 60_000)} min ago (cool-down ${auto.cooldown_minutes} min)`,
    );
  for (const why of facts.blockedBy) reasons.push(`the gate blocks it: ${why}`);
  const act = reasons.length === 0;
  if (act)
    reasons.push(
      `the doctor blames ${suspects!.commits.length} commit${suspects!.commits.length === 1 ? "" : "s"} of the deployed release at confidence ${suspects!.confidence} (at least ${auto.min_confidence}): ${suspects!.cause}`,
    );
  return {
    act,
    reasons,
    pipeline_id: diagnosis.pipeline.id,
    verdict: diagnosis.verdict,
    suspects: suspects?.commits ?? [],
    confidence: suspects?.confidence ?? null,
  };
}
