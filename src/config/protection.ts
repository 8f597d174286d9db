/**
 * Declared protection of an environment (issue #25): who may push, merge and unprotect its branch,
 * force push, code-owner approval and merge request approvals, who may deploy it and how many
 * deployment approvals it needs. `risk` gives the defaults, so most files write one word; a
 * `protection` block overrides single fields. `envsync protect` makes GitLab match.
 */
import * as z from "zod";

/** GitLab's access levels (protected branches and environments APIs). */
export const ROLE_LEVELS = { no_one: 0, developers: 30, maintainers: 40, admins: 60 } as const;
export type Role = keyof typeof ROLE_LEVELS;
export type Risk = "low" | "medium" | "high";

export interface ResolvedProtection {
  /** Where the defaults came from (medium when only `protection` was written). */
  risk: Risk;
  push: Role;
  merge: Role;
  /** Premium: who may unprotect the branch. */
  unprotect: Exclude<Role, "no_one">;
  allow_force_push: boolean;
  /** Premium. */
  code_owner_approval: boolean;
  /** Premium: approvals a merge request into the branch needs (0: none). */
  approvals: number;
  /** Premium: who may deploy the environment (a protected environment). */
  deploy: Exclude<Role, "no_one">;
  /** Premium: approvals a deployment needs (0: none). */
  deployment_approvals: number;
}

export const RISK_DEFAULTS: Readonly<Record<Risk, Omit<ResolvedProtection, "risk">>> = {
  low: {
    push: "developers",
    merge: "developers",
    unprotect: "maintainers",
    allow_force_push: false,
    code_owner_approval: false,
    approvals: 0,
    deploy: "developers",
    deployment_approvals: 0,
  },
  medium: {
    push: "maintainers",
    merge: "developers",
    unprotect: "maintainers",
    allow_force_push: false,
    code_owner_approval: false,
    approvals: 1,
    deploy: "maintainers",
    deployment_approvals: 0,
  },
  high: {
    push: "no_one",
    merge: "maintainers",
    unprotect: "maintainers",
    allow_force_push: false,
    code_owner_approval: true,
    approvals: 2,
    deploy: "maintainers",
    deployment_approvals: 1,
  },
};

/** One line per risk level, for `validate` and the docs. */
export const RISK_MEANING: Readonly<Record<Risk, string>> = {
  low: "developers push and merge; no approvals (a shared dev branch)",
  medium:
    "maintainers push, developers merge with 1 approval; maintainers deploy (staging, preprod)",
  high:
    "no one pushes, maintainers merge with 2 approvals and code-owner approval; maintainers " +
    "deploy after 1 approval (production)",
};

const role = z.enum(["no_one", "developers", "maintainers", "admins"]);
/** Unprotect and deploy: GitLab takes no "no one" there. */
const someone = z.enum(["developers", "maintainers", "admins"]);
const count = (what: string) =>
  z.number().int("must be a whole number").min(0).max(20).optional().describe(what);

export const riskSchema = z
  .enum(["low", "medium", "high"])
  .optional()
  .describe(
    "How much protection the environment's branch and deployments get in GitLab " +
      "(`envsync protect`). " +
      Object.entries(RISK_MEANING)
        .map(([risk, meaning]) => `${risk}: ${meaning}.`)
        .join(" ") +
      " Default: not managed, unless `protection` is given (then medium's defaults).",
  );

export const protectionSchema = z
  .strictObject({
    push: role.optional().describe("Who may push to the branch."),
    merge: role.optional().describe("Who may merge into the branch."),
    unprotect: someone.optional().describe("Who may unprotect the branch (GitLab Premium)."),
    allow_force_push: z.boolean().optional().describe("Whether those who may push may force push."),
    code_owner_approval: z
      .boolean()
      .optional()
      .describe("Changes to files with code owners need their approval (GitLab Premium)."),
    approvals: count("Approvals a merge request into the branch needs (GitLab Premium)."),
    deploy: someone
      .optional()
      .describe("Who may deploy the environment: a protected environment (GitLab Premium)."),
    deployment_approvals: count("Approvals a deployment needs (GitLab Premium)."),
  })
  .optional()
  .describe("Single fields of the environment's protection, over the defaults of `risk`.");

export type DeclaredProtection = z.output<typeof protectionSchema>;

/** The full protection of an environment, or undefined when it declares none (not managed). */
export function resolveProtection(
  risk: Risk | undefined,
  declared: DeclaredProtection,
): ResolvedProtection | undefined {
  if (risk === undefined && declared === undefined) return undefined;
  const base = risk ?? "medium";
  const fields = Object.fromEntries(
    Object.entries(declared ?? {}).filter(([, value]) => value !== undefined),
  );
  return { risk: base, ...RISK_DEFAULTS[base], ...fields };
}

const ROLE_WORDS: Readonly<Record<Role, string>> = {
  no_one: "no one",
  developers: "developers and maintainers",
  maintainers: "maintainers",
  admins: "administrators",
};

export const roleWords = (r: Role): string => ROLE_WORDS[r];

/** One sentence for people: what the protection means. */
export function describeProtection(p: ResolvedProtection): string {
  const parts = [
    `push: ${roleWords(p.push)}`,
    `merge: ${roleWords(p.merge)}`,
    `unprotect: ${roleWords(p.unprotect)}`,
    `force push: ${p.allow_force_push ? "allowed" : "no"}`,
    `code-owner approval: ${p.code_owner_approval ? "required" : "no"}`,
    `MR approvals: ${p.approvals}`,
    `deploy: ${roleWords(p.deploy)}`,
    `deployment approvals: ${p.deployment_approvals}`,
  ];
  return parts.join("; ");
}
