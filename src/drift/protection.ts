/**
 * Protection drift beside branch drift (issue #25): for the environments a drift run checks that
 * declare `risk` or `protection`, where GitLab's protected branches, protected environments and
 * approval rules differ from envsync.yaml (the plan `envsync protect` would apply), and the
 * wildcard and inherited rules it reports but leaves. Asked only with a token: without one, or
 * with nothing declared, drift sends no request for it. What cannot be read is said, not fatal.
 */
import type { ResolvedConfig } from "../config/types.js";
import type { CommandContext } from "../context.js";
import type { FieldChange, Finding } from "../core/protection.js";
import { readProtectionDrift } from "../core/protection-drift.js";
import { EnvsyncError } from "../errors.js";
import { openGitLab, type GitLab, type GitLabNeeds } from "../gitlab/access.js";
import { hasGitLabToken } from "../gitlab/connection.js";
import { GitLabError } from "../gitlab/errors.js";
import type { PairSpec } from "./drift.js";

/** Protected branches need a Maintainer's access token; GitLab refuses CI_JOB_TOKEN there. */
const READ_PROTECTION = { scope: "read_api", jobToken: false } satisfies GitLabNeeds;

export interface ProtectionDifference {
  environment: string;
  /** create: GitLab has no such rule; update: the rule differs. */
  action: "create" | "update";
  /** For people: "protected branch main". */
  target: string;
  /** Each differing field, as GitLab has it (`from`, "-" when the rule is missing) and declared. */
  fields: FieldChange[];
}

/** `drift --json`'s `protection`: the differences, or why they could not be read. */
export type DriftProtection =
  | {
      in_line: boolean;
      /** Whether the instance has GitLab Premium's protection features. */
      premium: boolean;
      differences: ProtectionDifference[];
      /** Rules EnvSync reports but does not change (wildcards, the group's, other approvals). */
      findings: Finding[];
    }
  | { unread: string };

/**
 * Protection drift for the environments of `pairs`, or undefined when none of them declares
 * protection or no token is set (then nothing is asked). `gitlab` is the API mode's connection;
 * local mode opens one here.
 */
export async function protectionDrift(
  config: ResolvedConfig,
  pairs: readonly PairSpec[],
  ctx: Pick<CommandContext, "env" | "http">,
  options: { repo: string; gitlab?: Pick<GitLab, "rest"> & { project?: string | undefined } },
): Promise<DriftProtection | undefined> {
  const checked = new Set(pairs.flatMap((p) => [p.from, p.to]));
  const declared = config.environments.filter((e) => e.protection && checked.has(e.name));
  if (declared.length === 0 || !hasGitLabToken(ctx.env)) return undefined;
  if (!options.gitlab && !ctx.env.GITLAB_TOKEN && !ctx.env.GITLAB_OAUTH_TOKEN)
    return {
      unread:
        "CI_JOB_TOKEN may not read protection (GitLab refuses it there): set GITLAB_TOKEN to a " +
        "Maintainer's token with read_api",
    };
  let gitlab = options.gitlab;
  if (!gitlab)
    try {
      gitlab = await openGitLab(ctx, READ_PROTECTION, { repo: options.repo, config });
    } catch (error) {
      // A token set for something else (no instance named, say) does not fail a local run.
      if (error instanceof EnvsyncError) return { unread: error.message };
      throw error;
    }
  if (gitlab.project === undefined)
    return { unread: "no GitLab project known: set project in envsync.yaml" };
  let view;
  try {
    view = await readProtectionDrift(gitlab.rest, gitlab.project, declared);
  } catch (error) {
    // Branch drift stands on its own: GitLab failing to answer for protection is said, not fatal.
    if (error instanceof GitLabError) return { unread: error.message };
    throw error;
  }
  if ("unread" in view) return view;
  const { plan } = view;
  return {
    in_line: plan.changes.length === 0,
    premium: plan.premium,
    differences: plan.changes.map(({ environment, action, target, fields }) => ({
      environment,
      action,
      target,
      fields,
    })),
    findings: plan.findings,
  };
}

/** Whether protection differs from envsync.yaml: it counts toward drift's exit code 3. */
export const protectionDiffers = (protection: DriftProtection | undefined): boolean =>
  protection !== undefined && "in_line" in protection && !protection.in_line;
