/**
 * Protected branches, protected environments and merge request approval rules on the stand-in,
 * with GitLab's semantics (REST documentation of each; GitLab's lib/api/protected_branches.rb):
 *
 * - Reads answer `push_access_levels` / `merge_access_levels` / `unprotect_access_levels`; writes
 *   take `push_access_level` (POST) and `allowed_to_push` lists. A write carrying a read field is
 *   refused (GitLab would ignore it silently, which hides the bug: the stand-in is stricter).
 * - PATCH changes a list by difference: `{access_level}` adds (an existing role again is 422),
 *   `{id, access_level}` changes, `{id, _destroy: true}` removes; an unknown id is 404.
 * - POST on a name that is protected answers 409.
 * - Rules inherited from the group are listed (`inherited: true`) but are not the project's: the
 *   project's PATCH and DELETE answer 404 for them.
 * - On the free tier, Premium's parts are refused: unprotect levels, code-owner approval, users
 *   and groups, more than one level per list (403), and the protected environments and approval
 *   rules APIs (403).
 *
 * `history` keeps, after every write, which names are protected, so a test can show a branch was
 * never left unprotected.
 */
import type { GitLabStandin, RestRequest } from "./server.js";
import type { StandinState } from "./state.js";

export type Tier = "free" | "premium";

export interface StandinAccess {
  id: number;
  access_level: number;
  user_id?: number | null;
  group_id?: number | null;
  deploy_key_id?: number | null;
}

export interface StandinProtectedBranch {
  projectId: number;
  id: number;
  name: string;
  push: StandinAccess[];
  merge: StandinAccess[];
  unprotect: StandinAccess[];
  allow_force_push: boolean;
  code_owner_approval_required: boolean;
  inherited: boolean;
}

export interface StandinProtectedEnvironment {
  projectId: number;
  name: string;
  deploy: StandinAccess[];
  approvals: (StandinAccess & { required_approvals: number })[];
}

export interface StandinApprovalRule {
  projectId: number;
  id: number;
  name: string;
  approvals_required: number;
  protected_branch_ids: number[];
  applies_to_all_protected_branches: boolean;
}

export class ProtectionState {
  branches: StandinProtectedBranch[] = [];
  environments: StandinProtectedEnvironment[] = [];
  approvalRules: StandinApprovalRule[] = [];
  /** After every write: the request and the names then protected in its project. */
  history: { method: string; path: string; protected: string[] }[] = [];

  constructor(
    private readonly state: StandinState,
    public tier: Tier,
  ) {}

  /** Seeds a rule as someone clicked it: levels by role number, ids given out here. */
  addBranch(
    projectId: number,
    name: string,
    levels: {
      push?: number[];
      merge?: number[];
      unprotect?: number[];
      allow_force_push?: boolean;
      code_owner_approval_required?: boolean;
      inherited?: boolean;
      extraPush?: Omit<StandinAccess, "id">[];
    } = {},
  ): StandinProtectedBranch {
    const entries = (list: number[]) =>
      list.map((access_level) => ({ id: this.state.id(), access_level }));
    const rule = {
      projectId,
      id: this.state.id(),
      name,
      push: [
        ...entries(levels.push ?? [40]),
        ...(levels.extraPush ?? []).map((e) => ({ ...e, id: this.state.id() })),
      ],
      merge: entries(levels.merge ?? [40]),
      unprotect: entries(levels.unprotect ?? []),
      allow_force_push: levels.allow_force_push ?? false,
      code_owner_approval_required: levels.code_owner_approval_required ?? false,
      inherited: levels.inherited ?? false,
    };
    this.branches.push(rule);
    return rule;
  }

  addEnvironment(
    projectId: number,
    name: string,
    deploy: number[],
    approvals: { access_level: number; required_approvals: number }[] = [],
  ): StandinProtectedEnvironment {
    const env = {
      projectId,
      name,
      deploy: deploy.map((access_level) => ({ id: this.state.id(), access_level })),
      approvals: approvals.map((a) => ({ ...a, id: this.state.id() })),
    };
    this.environments.push(env);
    return env;
  }

  addApprovalRule(rule: Omit<StandinApprovalRule, "id">): StandinApprovalRule {
    const created = { ...rule, id: this.state.id() };
    this.approvalRules.push(created);
    return created;
  }

  protectedNames(projectId: number): string[] {
    return this.branches.filter((b) => b.projectId === projectId).map((b) => b.name);
  }
}

const DESCRIPTIONS: Record<number, string> = {
  0: "No one",
  30: "Developers + Maintainers",
  40: "Maintainers",
  60: "Administrators",
};

type Answer = { status: number; body: unknown };
const error = (status: number, message: unknown): Answer => ({ status, body: { message } });
const PREMIUM_ONLY = (what: string) => error(403, `403 Forbidden - ${what} needs GitLab Premium`);
const given = (v: number | null | undefined): v is number => v !== null && v !== undefined;
const isRole = (e: Partial<StandinAccess>) => ![e.user_id, e.group_id, e.deploy_key_id].some(given);

function accessJson(e: StandinAccess) {
  return {
    id: e.id,
    access_level: e.access_level,
    access_level_description: isRole(e)
      ? (DESCRIPTIONS[e.access_level] ?? "Custom")
      : given(e.deploy_key_id)
        ? "Deploy key"
        : "User or group",
    user_id: e.user_id ?? null,
    group_id: e.group_id ?? null,
    ...(given(e.deploy_key_id) ? { deploy_key_id: e.deploy_key_id } : {}),
  };
}

function branchJson(b: StandinProtectedBranch, tier: Tier) {
  return {
    id: b.id,
    name: b.name,
    push_access_levels: b.push.map(accessJson),
    merge_access_levels: b.merge.map(accessJson),
    allow_force_push: b.allow_force_push,
    // GitLab Free's entity has none of Premium's fields.
    ...(tier === "premium"
      ? {
          unprotect_access_levels: b.unprotect.map(accessJson),
          code_owner_approval_required: b.code_owner_approval_required,
          inherited: b.inherited,
        }
      : {}),
  };
}

function environmentJson(e: StandinProtectedEnvironment) {
  return {
    name: e.name,
    deploy_access_levels: e.deploy.map(accessJson),
    required_approval_count: 0,
    approval_rules: e.approvals.map((a) => ({
      ...accessJson(a),
      required_approvals: a.required_approvals,
    })),
  };
}

const BRANCH_LEVELS = [0, 30, 40, 60];
const UNPROTECT_LEVELS = [30, 40, 60];
const DEPLOY_LEVELS = [30, 40, 60];

/**
 * Applies a GitLab nested-attributes list (`allowed_to_push`, `deploy_access_levels`,
 * `approval_rules`) to `list` by difference; an answer when it is refused.
 */
function applyList<T extends StandinAccess>(
  list: T[],
  ops: unknown,
  field: string,
  allowed: number[],
  nextId: () => number,
  extra: (entry: Record<string, unknown>) => Partial<T> = () => ({}),
): Answer | undefined {
  if (!Array.isArray(ops)) return error(400, `${field} is invalid`);
  for (const raw of ops) {
    if (typeof raw !== "object" || raw === null) return error(400, `${field} is invalid`);
    const op = raw as Record<string, unknown>;
    const id = op.id === undefined ? undefined : Number(op.id);
    if (id !== undefined) {
      const at = list.findIndex((e) => e.id === id);
      if (at < 0) return error(404, `404 ${field} ${id} Not Found`);
      if (op._destroy === true) {
        list.splice(at, 1);
        continue;
      }
      if (op.access_level !== undefined) {
        const level = Number(op.access_level);
        if (!allowed.includes(level)) return error(400, `${field}[access_level] is invalid`);
        list[at]!.access_level = level;
      }
      Object.assign(list[at]!, extra(op));
      continue;
    }
    if (op._destroy !== undefined) return error(400, `${field}: _destroy needs an id`);
    if (op.user_id !== undefined || op.group_id !== undefined) {
      list.push({
        id: nextId(),
        access_level: 40,
        user_id: op.user_id ?? null,
        group_id: op.group_id ?? null,
        ...extra(op),
      } as T);
      continue;
    }
    const level = Number(op.access_level);
    if (!allowed.includes(level)) return error(400, `${field}[access_level] is invalid`);
    if (list.some((e) => isRole(e) && e.access_level === level))
      return error(422, { [`${field}.access_level`]: ["has already been taken"] });
    list.push({ id: nextId(), access_level: level, ...extra(op) } as T);
  }
  return undefined;
}

export function attachProtectionRoutes(standin: GitLabStandin, protection: ProtectionState): void {
  const state = standin.state;
  const P = String.raw`^\/api\/v4\/projects\/([^/]+)`;
  const projectOf = (req: RestRequest) => state.project(decodeURIComponent(req.params[0]!));
  const notFound = error(404, "404 Project Not Found");
  const bodyOf = (req: RestRequest): Record<string, unknown> => ({
    ...Object.fromEntries(req.query.entries()),
    ...((typeof req.body === "object" && req.body) || {}),
  });
  const recorded = (req: RestRequest, projectId: number, answer: Answer): Answer => {
    if (answer.status < 300)
      protection.history.push({
        method: req.method,
        path: req.path,
        protected: protection.protectedNames(projectId),
      });
    return answer;
  };
  const unknownFields = (body: Record<string, unknown>, known: string[]) =>
    Object.keys(body).filter((k) => !known.includes(k));

  // Protected branches

  standin.route("GET", new RegExp(`${P}\\/protected_branches$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    const search = req.query.get("search");
    return {
      status: 200,
      body: protection.branches
        .filter((b) => b.projectId === project.id && (!search || b.name.includes(search)))
        .map((b) => branchJson(b, protection.tier)),
    };
  });

  standin.route("GET", new RegExp(`${P}\\/protected_branches\\/([^/]+)$`), (req) => {
    const project = projectOf(req);
    const name = decodeURIComponent(req.params[1]!);
    const rule = protection.branches.find((b) => b.projectId === project?.id && b.name === name);
    if (!rule) return error(404, "404 Not found");
    return { status: 200, body: branchJson(rule, protection.tier) };
  });

  standin.route("POST", new RegExp(`${P}\\/protected_branches$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    const body = bodyOf(req);
    const free = ["name", "push_access_level", "merge_access_level", "allow_force_push"];
    const premium = [
      "unprotect_access_level",
      "code_owner_approval_required",
      "allowed_to_push",
      "allowed_to_merge",
      "allowed_to_unprotect",
    ];
    const unknown = unknownFields(body, [...free, ...premium]);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    if (protection.tier === "free") {
      const used = premium.filter((k) => body[k] !== undefined);
      if (used.length > 0) return PREMIUM_ONLY(used.join(", "));
    }
    const name = typeof body.name === "string" ? body.name : "";
    if (!name) return error(400, "name is missing");
    if (protection.branches.some((b) => b.projectId === project.id && b.name === name))
      return error(409, `Protected branch '${name}' already exists`);
    const level = (key: string, allowed: number[]) => {
      const value = body[key] === undefined ? 40 : Number(body[key]);
      return allowed.includes(value) ? value : undefined;
    };
    const push = level("push_access_level", BRANCH_LEVELS);
    const merge = level("merge_access_level", BRANCH_LEVELS);
    const unprotect =
      body.unprotect_access_level === undefined
        ? undefined
        : level("unprotect_access_level", UNPROTECT_LEVELS);
    if (push === undefined || merge === undefined)
      return error(400, "push_access_level, merge_access_level does not have a valid value");
    if (body.unprotect_access_level !== undefined && unprotect === undefined)
      return error(400, "unprotect_access_level does not have a valid value");
    const rule: StandinProtectedBranch = {
      projectId: project.id,
      id: state.id(),
      name,
      push: [{ id: state.id(), access_level: push }],
      merge: [{ id: state.id(), access_level: merge }],
      unprotect: unprotect === undefined ? [] : [{ id: state.id(), access_level: unprotect }],
      allow_force_push: body.allow_force_push === true || body.allow_force_push === "true",
      code_owner_approval_required:
        body.code_owner_approval_required === true || body.code_owner_approval_required === "true",
      inherited: false,
    };
    protection.branches.push(rule);
    return recorded(req, project.id, { status: 201, body: branchJson(rule, protection.tier) });
  });

  standin.route("PATCH", new RegExp(`${P}\\/protected_branches\\/([^/]+)$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    const name = decodeURIComponent(req.params[1]!);
    const rule = protection.branches.find(
      (b) => b.projectId === project.id && b.name === name && !b.inherited,
    );
    if (!rule) return error(404, "404 Not found");
    const body = bodyOf(req);
    const premium = ["allowed_to_unprotect", "code_owner_approval_required"];
    const unknown = unknownFields(body, [
      "name",
      "allow_force_push",
      "allowed_to_push",
      "allowed_to_merge",
      ...premium,
    ]);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    if (protection.tier === "free") {
      const used = premium.filter((k) => body[k] !== undefined);
      if (used.length > 0) return PREMIUM_ONLY(used.join(", "));
    }
    // Applied to a copy: a refused request changes nothing, as GitLab's transaction.
    const next = structuredClone(rule);
    const lists = [
      ["allowed_to_push", next.push, BRANCH_LEVELS],
      ["allowed_to_merge", next.merge, BRANCH_LEVELS],
      ["allowed_to_unprotect", next.unprotect, UNPROTECT_LEVELS],
    ] as const;
    for (const [key, list, allowed] of lists) {
      if (body[key] === undefined) continue;
      const refused = applyList(list, body[key], key, allowed, () => state.id());
      if (refused) return refused;
      // Free keeps one role per list; deploy keys may push there too, users and groups may not.
      const roles = list.filter(isRole).length;
      const people = list.filter((e) => given(e.user_id) || given(e.group_id)).length;
      if (protection.tier === "free" && (roles > 1 || people > 0))
        return PREMIUM_ONLY(`more than one role, users and groups in ${key}`);
    }
    if (next.push.length === 0 || next.merge.length === 0)
      return error(422, "a protected branch needs a push and a merge access level");
    if (body.allow_force_push !== undefined) next.allow_force_push = body.allow_force_push === true;
    if (body.code_owner_approval_required !== undefined)
      next.code_owner_approval_required = body.code_owner_approval_required === true;
    Object.assign(rule, next);
    return recorded(req, project.id, { status: 200, body: branchJson(rule, protection.tier) });
  });

  standin.route("DELETE", new RegExp(`${P}\\/protected_branches\\/([^/]+)$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    const name = decodeURIComponent(req.params[1]!);
    const at = protection.branches.findIndex(
      (b) => b.projectId === project.id && b.name === name && !b.inherited,
    );
    if (at < 0) return error(404, "404 Not found");
    protection.branches.splice(at, 1);
    return recorded(req, project.id, { status: 204, body: "" });
  });

  // Protected environments (Premium)

  standin.route("GET", new RegExp(`${P}\\/protected_environments$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("protected environments");
    return {
      status: 200,
      body: protection.environments.filter((e) => e.projectId === project.id).map(environmentJson),
    };
  });

  standin.route("POST", new RegExp(`${P}\\/protected_environments$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("protected environments");
    const body = bodyOf(req);
    const unknown = unknownFields(body, [
      "name",
      "deploy_access_levels",
      "required_approval_count",
      "approval_rules",
    ]);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    const name = typeof body.name === "string" ? body.name : "";
    if (!name) return error(400, "name is missing");
    if (!Array.isArray(body.deploy_access_levels) || body.deploy_access_levels.length === 0)
      return error(400, "deploy_access_levels is missing");
    if (protection.environments.some((e) => e.projectId === project.id && e.name === name))
      return error(409, `Protected environment '${name}' already exists`);
    const env: StandinProtectedEnvironment = {
      projectId: project.id,
      name,
      deploy: [],
      approvals: [],
    };
    const refused =
      applyList(env.deploy, body.deploy_access_levels, "deploy_access_levels", DEPLOY_LEVELS, () =>
        state.id(),
      ) ??
      applyList(
        env.approvals,
        body.approval_rules ?? [],
        "approval_rules",
        DEPLOY_LEVELS,
        () => state.id(),
        (op) => ({ required_approvals: Number(op.required_approvals ?? 1) }),
      );
    if (refused) return refused;
    protection.environments.push(env);
    return recorded(req, project.id, { status: 201, body: environmentJson(env) });
  });

  standin.route("PUT", new RegExp(`${P}\\/protected_environments\\/([^/]+)$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("protected environments");
    const name = decodeURIComponent(req.params[1]!);
    const env = protection.environments.find((e) => e.projectId === project.id && e.name === name);
    if (!env) return error(404, "404 Not found");
    const body = bodyOf(req);
    const unknown = unknownFields(body, [
      "name",
      "deploy_access_levels",
      "required_approval_count",
      "approval_rules",
    ]);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    const next = structuredClone(env);
    const refused =
      (body.deploy_access_levels === undefined
        ? undefined
        : applyList(
            next.deploy,
            body.deploy_access_levels,
            "deploy_access_levels",
            DEPLOY_LEVELS,
            () => state.id(),
          )) ??
      (body.approval_rules === undefined
        ? undefined
        : applyList(
            next.approvals,
            body.approval_rules,
            "approval_rules",
            DEPLOY_LEVELS,
            () => state.id(),
            (op) =>
              op.required_approvals === undefined
                ? {}
                : { required_approvals: Number(op.required_approvals) },
          ));
    if (refused) return refused;
    if (next.deploy.length === 0)
      return error(422, "a protected environment needs a deploy access level");
    Object.assign(env, next);
    return recorded(req, project.id, { status: 200, body: environmentJson(env) });
  });

  // Merge request approval rules (Premium)

  const ruleJson = (r: StandinApprovalRule) => ({
    id: r.id,
    name: r.name,
    rule_type: "regular",
    approvals_required: r.approvals_required,
    applies_to_all_protected_branches: r.applies_to_all_protected_branches,
    protected_branches: r.protected_branch_ids.flatMap((id) => {
      const b = protection.branches.find((x) => x.id === id);
      return b ? [branchJson(b, protection.tier)] : [];
    }),
    users: [],
    groups: [],
    eligible_approvers: [],
    contains_hidden_groups: false,
  });
  const ruleFields = [
    "name",
    "approvals_required",
    "protected_branch_ids",
    "applies_to_all_protected_branches",
    "user_ids",
    "group_ids",
    "rule_type",
    "usernames",
  ];
  const branchIds = (projectId: number, value: unknown): number[] | Answer => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return error(400, "protected_branch_ids is invalid");
    const ids = value.map(Number);
    const own = protection.branches.filter((b) => b.projectId === projectId).map((b) => b.id);
    return ids.every((id) => own.includes(id))
      ? ids
      : error(400, "protected_branch_ids names a protected branch of another project");
  };

  standin.route("GET", new RegExp(`${P}\\/approval_rules$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("approval rules");
    return {
      status: 200,
      body: protection.approvalRules.filter((r) => r.projectId === project.id).map(ruleJson),
    };
  });

  standin.route("POST", new RegExp(`${P}\\/approval_rules$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("approval rules");
    const body = bodyOf(req);
    const unknown = unknownFields(body, ruleFields);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    const name = typeof body.name === "string" ? body.name : "";
    const approvals = Number(body.approvals_required);
    if (!name || !Number.isInteger(approvals) || approvals < 0)
      return error(400, "name, approvals_required are missing or invalid");
    if (protection.approvalRules.some((r) => r.projectId === project.id && r.name === name))
      return error(400, { name: ["has already been taken"] });
    const ids = branchIds(project.id, body.protected_branch_ids);
    if (!Array.isArray(ids)) return ids;
    const rule = protection.addApprovalRule({
      projectId: project.id,
      name,
      approvals_required: approvals,
      protected_branch_ids: ids,
      applies_to_all_protected_branches: body.applies_to_all_protected_branches === true,
    });
    return recorded(req, project.id, { status: 201, body: ruleJson(rule) });
  });

  standin.route("PUT", new RegExp(`${P}\\/approval_rules\\/(\\d+)$`), (req) => {
    const project = projectOf(req);
    if (!project) return notFound;
    if (protection.tier === "free") return PREMIUM_ONLY("approval rules");
    const rule = protection.approvalRules.find(
      (r) => r.projectId === project.id && r.id === Number(req.params[1]),
    );
    if (!rule) return error(404, "404 Not found");
    const body = bodyOf(req);
    const unknown = unknownFields(body, ruleFields);
    if (unknown.length > 0) return error(400, `${unknown.join(", ")} does not have a valid value`);
    const ids = branchIds(project.id, body.protected_branch_ids);
    if (!Array.isArray(ids)) return ids;
    if (body.protected_branch_ids !== undefined) rule.protected_branch_ids = ids;
    if (body.name !== undefined) rule.name = String(body.name);
    if (body.approvals_required !== undefined)
      rule.approvals_required = Number(body.approvals_required);
    if (body.applies_to_all_protected_branches !== undefined)
      rule.applies_to_all_protected_branches = body.applies_to_all_protected_branches === true;
    return recorded(req, project.id, { status: 200, body: ruleJson(rule) });
  });
}
