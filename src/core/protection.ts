/**
 * Protection drift and its plan (`envsync protect`, and the dashboard's protection section): the
 * smallest set of writes that makes GitLab's protection match envsync.yaml, from what GitLab
 * has (pure: no I/O). A missing rule is created; a present one is changed in place by difference
 * (GitLab's PATCH/PUT lists: `{access_level}` adds, `{id, access_level}` changes, `{id, _destroy}`
 * removes), never deleted and re-created, so the branch is protected at every moment. Rules
 * EnvSync does not own (wildcards, rules inherited from the group, other approval rules) are
 * reported where they weaken or outrun the declaration, never changed. Fields the instance's tier
 * lacks (Premium) are reported and left out; the rest is still planned.
 */
import { wildcardMatch } from "./wildcard.js";
import { ROLE_LEVELS, type ResolvedProtection, type Role } from "../config/protection.js";
import type { ResolvedEnvironment } from "../config/types.js";
import type {
  AccessEntry,
  ApprovalRule,
  DeploymentApprovalEntry,
  GitLabProtection,
  ProtectedBranch,
  ProtectedEnvironment,
} from "../gitlab/protection-rest.js";

type Body = Record<string, unknown>;

export type Write =
  | { kind: "create-branch"; branch: string; body: Body }
  | { kind: "update-branch"; branch: string; body: Body }
  | { kind: "create-environment"; environment: string; body: Body }
  | { kind: "update-environment"; environment: string; body: Body }
  /** `protected_branch_ids` is filled in when applied: the branch's rule may be new. */
  | { kind: "create-approval-rule"; branch: string; body: Body }
  | { kind: "update-approval-rule"; id: number; branch: string; body: Body };

export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

export interface Change {
  environment: string;
  action: "create" | "update";
  /** For people: "protected branch main". */
  target: string;
  write: Write;
  fields: FieldChange[];
}

export type FindingKind = "override" | "inherited" | "premium" | "kept";

export interface Finding {
  environment: string;
  kind: FindingKind;
  message: string;
}

export interface EnvironmentSummary {
  environment: string;
  branch: string;
  gitlab_environment: string;
  risk: string;
  changes: number;
}

export interface ProtectionPlan {
  /** Whether the instance has GitLab Premium's protection features. */
  premium: boolean;
  environments: EnvironmentSummary[];
  changes: Change[];
  findings: Finding[];
}

/** The approval rule EnvSync owns for an environment, found by this name. */
export const approvalRuleName = (environment: string) => `EnvSync: ${environment}`;

/** The role deployment approvals are given by. */
const APPROVER: Role = "maintainers";

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  0: "no one",
  30: "developers",
  40: "maintainers",
  60: "admins",
};
const levelName = (level: number | null | undefined) =>
  LEVEL_NAMES[level ?? -1] ?? `level ${String(level)}`;

/** How much a level lets in: developers most, no one least. */
const OPENNESS: Readonly<Record<number, number>> = { 30: 3, 40: 2, 60: 1, 0: 0 };
const openness = (level: number | null | undefined) => OPENNESS[level ?? 0] ?? 0;

/** An entry that grants a role, not a user, group or deploy key. */
const isRole = (entry: AccessEntry) =>
  [entry.user_id, entry.group_id, entry.deploy_key_id].every((v) => v === null || v === undefined);

const describeLevels = (entries: readonly AccessEntry[]) => {
  const roles = entries.filter(isRole).map((e) => levelName(e.access_level));
  const others = entries.length - roles.length;
  const shown = roles.length > 0 ? roles.join(" + ") : "(none)";
  return others > 0 ? `${shown} (+${others} user/group/deploy key)` : shown;
};

/**
 * The list operations that leave exactly one role entry, `desired`, changing an entry in place
 * where one is there; users, groups and deploy keys are left as they are.
 */
export function levelOperations(
  current: readonly AccessEntry[],
  desired: number,
  implicit?: number,
): Body[] {
  const roles = current.filter(isRole);
  if (roles.length === 1 && roles[0]!.access_level === desired) return [];
  // No unprotect level is GitLab's default: maintainers may unprotect.
  if (roles.length === 0 && desired === implicit) return [];
  const keep = roles.find((r) => r.access_level === desired);
  const ops: Body[] = [];
  if (keep) {
    for (const r of roles) if (r !== keep) ops.push({ id: r.id, _destroy: true });
  } else if (roles.length > 0) {
    ops.push({ id: roles[0]!.id, access_level: desired });
    for (const r of roles.slice(1)) ops.push({ id: r.id, _destroy: true });
  } else {
    ops.push({ access_level: desired });
  }
  return ops;
}

export function planProtection(
  environments: readonly ResolvedEnvironment[],
  gitlab: GitLabProtection,
): ProtectionPlan {
  const premium = gitlab.environments !== undefined;
  const changes: Change[] = [];
  const findings: Finding[] = [];
  const summaries: EnvironmentSummary[] = [];
  for (const env of environments) {
    const protection = env.protection;
    if (!protection) continue;
    const before = changes.length;
    const add = (change: Omit<Change, "environment">) =>
      changes.push({ environment: env.name, ...change });
    const note = (kind: FindingKind, message: string) =>
      findings.push({ environment: env.name, kind, message });

    const branchRule = planBranch(env, protection, gitlab.branches, premium, add, note);
    if (premium) {
      planEnvironment(env, protection, gitlab.environments ?? [], add);
      // An approval rule is scoped by the branch's own rule: without one it would cover all.
      if (branchRule)
        planApprovalRule(env, protection, gitlab.approvalRules ?? [], branchRule, add, note);
    } else {
      const skipped = premiumOnly(protection);
      if (skipped.length > 0)
        note(
          "premium",
          `needs GitLab Premium, which this instance lacks; skipped: ${skipped.join(", ")}`,
        );
    }
    summaries.push({
      environment: env.name,
      branch: env.branch,
      gitlab_environment: env.gitlab_environment,
      risk: protection.risk,
      changes: changes.length - before,
    });
  }
  return { premium, environments: summaries, changes, findings };
}

/** Declared fields only Premium has, where they ask more than GitLab Free does anyway. */
function premiumOnly(p: ResolvedProtection): string[] {
  return [
    ...(p.unprotect !== "maintainers" ? [`unprotect (${p.unprotect})`] : []),
    ...(p.code_owner_approval ? ["code-owner approval"] : []),
    ...(p.approvals > 0 ? [`merge request approvals (${p.approvals})`] : []),
    ...(p.deploy !== "developers" ? [`deploy (${p.deploy})`] : []),
    ...(p.deployment_approvals > 0 ? [`deployment approvals (${p.deployment_approvals})`] : []),
  ];
}

type Add = (change: Omit<Change, "environment">) => void;
type Note = (kind: FindingKind, message: string) => void;

/** Plans the branch's own rule: it, "new" when it is to be created, undefined when the group's. */
function planBranch(
  env: ResolvedEnvironment,
  p: ResolvedProtection,
  rules: readonly ProtectedBranch[],
  premium: boolean,
  add: Add,
  note: Note,
): ProtectedBranch | "new" | undefined {
  const branch = env.branch;
  const own = rules.find((r) => r.name === branch && !r.inherited);
  const others = rules.filter((r) => r !== own && wildcardMatch(r.name, branch));
  for (const rule of others) reportOverride(rule, branch, p, own, note);
  const inheritedExact = others.find((r) => r.inherited && r.name === branch);
  if (!own && inheritedExact) return undefined; // the group's rule governs it; reported above

  const push = ROLE_LEVELS[p.push];
  const merge = ROLE_LEVELS[p.merge];
  const unprotect = ROLE_LEVELS[p.unprotect];
  if (!own) {
    const body: Body = {
      name: branch,
      push_access_level: push,
      merge_access_level: merge,
      allow_force_push: p.allow_force_push,
      ...(premium
        ? { unprotect_access_level: unprotect, code_owner_approval_required: p.code_owner_approval }
        : {}),
    };
    const fields: FieldChange[] = [
      { field: "push", from: "-", to: levelName(push) },
      { field: "merge", from: "-", to: levelName(merge) },
      ...(premium ? [{ field: "unprotect", from: "-", to: levelName(unprotect) }] : []),
      { field: "allow force push", from: "-", to: String(p.allow_force_push) },
      ...(premium
        ? [{ field: "code-owner approval", from: "-", to: String(p.code_owner_approval) }]
        : []),
    ];
    add({
      action: "create",
      target: `protected branch ${branch}`,
      write: { kind: "create-branch", branch, body },
      fields,
    });
    return "new";
  }

  const body: Body = {};
  const fields: FieldChange[] = [];
  const lists: (readonly [string, string, readonly AccessEntry[], number, number?])[] = [
    ["push", "allowed_to_push", own.push_access_levels, push],
    ["merge", "allowed_to_merge", own.merge_access_levels, merge],
    ...(premium
      ? ([
          [
            "unprotect",
            "allowed_to_unprotect",
            own.unprotect_access_levels,
            unprotect,
            ROLE_LEVELS.maintainers,
          ],
        ] as const)
      : []),
  ];
  for (const [field, key, current, desired, implicit] of lists) {
    const ops = levelOperations(current, desired, implicit);
    if (ops.length === 0) continue;
    body[key] = ops;
    const after = describeLevels([
      ...current.filter((e) => !isRole(e)),
      { id: 0, access_level: desired },
    ]);
    fields.push({ field, from: describeLevels(current), to: after });
  }
  if (own.allow_force_push !== p.allow_force_push) {
    body.allow_force_push = p.allow_force_push;
    fields.push({
      field: "allow force push",
      from: String(own.allow_force_push),
      to: String(p.allow_force_push),
    });
  }
  if (premium && own.code_owner_approval_required !== p.code_owner_approval) {
    body.code_owner_approval_required = p.code_owner_approval;
    fields.push({
      field: "code-owner approval",
      from: String(own.code_owner_approval_required),
      to: String(p.code_owner_approval),
    });
  }
  const kept = own.push_access_levels.filter((e) => !isRole(e)).length;
  if (kept > 0)
    note("kept", `${kept} user, group or deploy key entries may also push to ${branch}; kept`);
  if (fields.length > 0)
    add({
      action: "update",
      target: `protected branch ${branch}`,
      write: { kind: "update-branch", branch, body },
      fields,
    });
  return own;
}

/** A wildcard or inherited rule that lets more in than declared: GitLab's most open rule wins. */
function reportOverride(
  rule: ProtectedBranch,
  branch: string,
  p: ResolvedProtection,
  own: ProtectedBranch | undefined,
  note: Note,
): void {
  const what = rule.inherited
    ? `the group's inherited rule ${rule.name}`
    : `the wildcard rule ${rule.name}`;
  const looser: string[] = [];
  const check = (verb: string, entries: readonly AccessEntry[], declared: Role) => {
    const roles = entries.filter(isRole);
    const widest = roles.reduce((max, e) => Math.max(max, openness(e.access_level)), -1);
    if (widest > openness(ROLE_LEVELS[declared])) {
      const top = roles.find((e) => openness(e.access_level) === widest)!;
      looser.push(
        `lets ${levelName(top.access_level)} ${verb} (declared: ${levelName(ROLE_LEVELS[declared])})`,
      );
    }
    const people = entries.length - roles.length;
    if (people > 0) looser.push(`lets ${people} user/group/deploy key ${verb}`);
  };
  check("push", rule.push_access_levels, p.push);
  check("merge", rule.merge_access_levels, p.merge);
  if (rule.allow_force_push && !p.allow_force_push) looser.push("allows force push");
  if (looser.length > 0)
    note(
      "override",
      `${what} also covers ${branch} and ${looser.join(", ")}; GitLab applies the most open ` +
        `rule, and EnvSync leaves ${rule.inherited ? "group rules to the group" : "wildcard rules alone"}`,
    );
  else if (rule.inherited && rule.name === branch && !own)
    note(
      "inherited",
      `${branch} is protected by the group's rule, which a project cannot change; EnvSync leaves it`,
    );
}

function planEnvironment(
  env: ResolvedEnvironment,
  p: ResolvedProtection,
  environments: readonly ProtectedEnvironment[],
  add: Add,
): void {
  const name = env.gitlab_environment;
  const deploy = ROLE_LEVELS[p.deploy];
  const approver = ROLE_LEVELS[APPROVER];
  const n = p.deployment_approvals;
  const current = environments.find((e) => e.name === name);
  const target = `protected environment ${name}`;
  if (!current) {
    // An unprotected environment already lets developers deploy without approval.
    if (p.deploy === "developers" && n === 0) return;
    add({
      action: "create",
      target,
      write: {
        kind: "create-environment",
        environment: name,
        body: {
          name,
          deploy_access_levels: [{ access_level: deploy }],
          ...(n > 0 ? { approval_rules: [{ access_level: approver, required_approvals: n }] } : {}),
        },
      },
      fields: [
        { field: "deploy", from: "-", to: levelName(deploy) },
        ...(n > 0
          ? [{ field: "deployment approvals", from: "-", to: `${n} (${levelName(approver)})` }]
          : []),
      ],
    });
    return;
  }
  const body: Body = {};
  const fields: FieldChange[] = [];
  const deployOps = levelOperations(current.deploy_access_levels, deploy);
  if (deployOps.length > 0) {
    body.deploy_access_levels = deployOps;
    fields.push({
      field: "deploy",
      from: describeLevels(current.deploy_access_levels),
      to: levelName(deploy),
    });
  }
  const approvalOps = approvalOperations(current.approval_rules, approver, n);
  if (approvalOps.length > 0) {
    body.approval_rules = approvalOps;
    fields.push({
      field: "deployment approvals",
      from: describeApprovals(current.approval_rules),
      to: n > 0 ? `${n} (${levelName(approver)})` : "0",
    });
  }
  if (fields.length > 0)
    add({
      action: "update",
      target,
      write: { kind: "update-environment", environment: name, body },
      fields,
    });
}

const describeApprovals = (rules: readonly DeploymentApprovalEntry[]) => {
  const roles = rules.filter(isRole);
  if (roles.length === 0) return "0";
  return roles.map((r) => `${r.required_approvals} (${levelName(r.access_level)})`).join(" + ");
};

/** Leaves one role approval rule of `n` approvals by `approver` (none when n is 0). */
function approvalOperations(
  current: readonly DeploymentApprovalEntry[],
  approver: number,
  n: number,
): Body[] {
  const roles = current.filter(isRole);
  if (n === 0) return roles.map((r) => ({ id: r.id, _destroy: true }));
  const keep = roles.find((r) => r.access_level === approver) ?? roles[0];
  const ops: Body[] = [];
  if (!keep) ops.push({ access_level: approver, required_approvals: n });
  else if (keep.access_level !== approver || keep.required_approvals !== n)
    ops.push({
      id: keep.id,
      ...(keep.access_level !== approver ? { access_level: approver } : {}),
      ...(keep.required_approvals !== n ? { required_approvals: n } : {}),
    });
  for (const r of roles) if (r !== keep) ops.push({ id: r.id, _destroy: true });
  return ops;
}

function planApprovalRule(
  env: ResolvedEnvironment,
  p: ResolvedProtection,
  rules: readonly ApprovalRule[],
  branchRule: ProtectedBranch | "new",
  add: Add,
  note: Note,
): void {
  const name = approvalRuleName(env.name);
  const own = rules.find((r) => r.name === name);
  const n = p.approvals;
  for (const rule of rules) {
    if (rule === own || rule.approvals_required <= n) continue;
    const concerns =
      rule.applies_to_all_protected_branches ||
      rule.protected_branches.length === 0 ||
      rule.protected_branches.some((b) => wildcardMatch(b.name, env.branch));
    if (concerns)
      note(
        "override",
        `the approval rule "${rule.name}" asks ${rule.approvals_required} approvals for ` +
          `${env.branch}, more than the ${n} declared; EnvSync leaves other rules alone`,
      );
  }
  const target = `approval rule "${name}" on ${env.branch}`;
  if (!own) {
    if (n === 0) return;
    add({
      action: "create",
      target,
      write: {
        kind: "create-approval-rule",
        branch: env.branch,
        body: { name, approvals_required: n },
      },
      fields: [{ field: "approvals", from: "-", to: String(n) }],
    });
    return;
  }
  const fields: FieldChange[] = [];
  if (own.approvals_required !== n)
    fields.push({ field: "approvals", from: String(own.approvals_required), to: String(n) });
  const scoped =
    !own.applies_to_all_protected_branches &&
    own.protected_branches.length === 1 &&
    branchRule !== "new" &&
    own.protected_branches[0]!.id === branchRule.id;
  if (!scoped)
    fields.push({
      field: "branches",
      from: own.applies_to_all_protected_branches
        ? "all protected branches"
        : own.protected_branches.map((b) => b.name).join(", ") || "all branches",
      to: env.branch,
    });
  // GitLab's PUT takes the name and the count every time; the branch's id is added when applied.
  const body: Body = { name, approvals_required: n, applies_to_all_protected_branches: false };
  if (fields.length > 0)
    add({
      action: "update",
      target,
      write: { kind: "update-approval-rule", id: own.id, branch: env.branch, body },
      fields,
    });
}
