/**
 * The REST calls of `envsync protect`: protected branches, protected environments and merge
 * request approval rules (GitLab's REST documentation for each). Reads list every page; their
 * shapes are GitLab's read shapes (`push_access_levels`), which differ from what a write takes
 * (`allowed_to_push`, lists changed by difference: `{access_level}` adds, `{id, access_level}`
 * changes, `{id, _destroy: true}` removes). Writes send JSON bodies, as GitLab needs for lists.
 */
import * as z from "zod";
import { GitLabError } from "./errors.js";
import { op } from "./rest-operations.js";
import type { GitLabRest, RestClient } from "./rest.js";

type Project = { project: string };

const ACCESS = z.object({
  id: z.number(),
  access_level: z.number().nullish(),
  access_level_description: z.string().nullish(),
  user_id: z.number().nullish(),
  group_id: z.number().nullish(),
  deploy_key_id: z.number().nullish(),
});
export type AccessEntry = z.infer<typeof ACCESS>;

const PROTECTED_BRANCH = z.object({
  id: z.number(),
  name: z.string(),
  push_access_levels: z.array(ACCESS).default([]),
  merge_access_levels: z.array(ACCESS).default([]),
  /** Premium; GitLab Free answers without it. */
  unprotect_access_levels: z.array(ACCESS).default([]),
  allow_force_push: z.boolean().default(false),
  code_owner_approval_required: z.boolean().default(false),
  /** Premium: the rule is the group's, inherited, and cannot be changed in the project. */
  inherited: z.boolean().default(false),
});
export type ProtectedBranch = z.infer<typeof PROTECTED_BRANCH>;

const APPROVAL = ACCESS.extend({ required_approvals: z.number() });
export type DeploymentApprovalEntry = z.infer<typeof APPROVAL>;

const PROTECTED_ENVIRONMENT = z.object({
  name: z.string(),
  deploy_access_levels: z.array(ACCESS).default([]),
  approval_rules: z.array(APPROVAL).default([]),
});
export type ProtectedEnvironment = z.infer<typeof PROTECTED_ENVIRONMENT>;

const APPROVAL_RULE = z.object({
  id: z.number(),
  name: z.string(),
  rule_type: z.string().nullish(),
  approvals_required: z.number(),
  protected_branches: z.array(z.object({ id: z.number(), name: z.string() })).default([]),
  applies_to_all_protected_branches: z.boolean().default(false),
});
export type ApprovalRule = z.infer<typeof APPROVAL_RULE>;

const at = (project: string, ...rest: (string | number)[]) =>
  ["projects", project, ...rest].map((part) => encodeURIComponent(String(part))).join("/");

/** `op`, with the variables' type taken from the `send` function's annotation. */
const operation = <S extends z.ZodType, TVars>(
  label: string,
  answer: S,
  send: (client: RestClient, vars: TVars) => Promise<unknown>,
) => op<TVars>()(label, answer, send);

/** Every protected branch of the project, wildcards and inherited group rules included. */
export const LIST_PROTECTED_BRANCHES = operation(
  "GET /projects/:id/protected_branches",
  z.array(PROTECTED_BRANCH),
  (rest, { project }: Project) => rest.ProtectedBranches.all(project, { perPage: 100 }),
);

/** Premium: GitLab Free answers 403 or 404. */
export const LIST_PROTECTED_ENVIRONMENTS = operation(
  "GET /projects/:id/protected_environments",
  z.array(PROTECTED_ENVIRONMENT),
  // gitbeaker puts this resource's id into the path as given: the path is encoded here.
  (rest, { project }: Project) =>
    rest.ProjectProtectedEnvironments.all(encodeURIComponent(project), { perPage: 100 }),
);

/** Premium: GitLab Free answers 403 or 404. */
export const LIST_APPROVAL_RULES = operation(
  "GET /projects/:id/approval_rules",
  z.array(APPROVAL_RULE),
  (rest, { project }: Project) =>
    rest.MergeRequestApprovals.allApprovalRules(project, { perPage: 100 } as object),
);

type Body = Record<string, unknown>;
const bodyOf = async (answer: Promise<{ body: unknown }>) => (await answer).body;

export const CREATE_PROTECTED_BRANCH = operation(
  "POST /projects/:id/protected_branches",
  PROTECTED_BRANCH,
  (rest, { project, body }: Project & { body: Body }) =>
    bodyOf(rest.requester.post(at(project, "protected_branches"), { body })),
);

export const UPDATE_PROTECTED_BRANCH = operation(
  "PATCH /projects/:id/protected_branches/:name",
  PROTECTED_BRANCH,
  (rest, { project, name, body }: Project & { name: string; body: Body }) =>
    bodyOf(rest.requester.patch(at(project, "protected_branches", name), { body })),
);

export const CREATE_PROTECTED_ENVIRONMENT = operation(
  "POST /projects/:id/protected_environments",
  PROTECTED_ENVIRONMENT,
  (rest, { project, body }: Project & { body: Body }) =>
    bodyOf(rest.requester.post(at(project, "protected_environments"), { body })),
);

export const UPDATE_PROTECTED_ENVIRONMENT = operation(
  "PUT /projects/:id/protected_environments/:name",
  PROTECTED_ENVIRONMENT,
  (rest, { project, name, body }: Project & { name: string; body: Body }) =>
    bodyOf(rest.requester.put(at(project, "protected_environments", name), { body })),
);

export const CREATE_APPROVAL_RULE = operation(
  "POST /projects/:id/approval_rules",
  APPROVAL_RULE,
  (rest, { project, body }: Project & { body: Body }) =>
    bodyOf(rest.requester.post(at(project, "approval_rules"), { body })),
);

export const UPDATE_APPROVAL_RULE = operation(
  "PUT /projects/:id/approval_rules/:approval_rule_id",
  APPROVAL_RULE,
  (rest, { project, id, body }: Project & { id: number; body: Body }) =>
    bodyOf(rest.requester.put(at(project, "approval_rules", id), { body })),
);

/** What GitLab has: environments and approval rules are undefined where the tier lacks them. */
export interface GitLabProtection {
  branches: ProtectedBranch[];
  environments?: ProtectedEnvironment[];
  approvalRules?: ApprovalRule[];
}

/** Every protected branch, protected environment and approval rule of the project. */
export async function readProtection(rest: GitLabRest, project: string): Promise<GitLabProtection> {
  // Protected branches need Maintainer, so once they are read, a refusal of what follows is the
  // tier's: protected environments and approval rules are GitLab Premium.
  const branches = await rest.run(LIST_PROTECTED_BRANCHES, { project });
  const environments = await premiumOnly(rest.run(LIST_PROTECTED_ENVIRONMENTS, { project }));
  const approvalRules =
    environments === undefined
      ? undefined
      : await premiumOnly(rest.run(LIST_APPROVAL_RULES, { project }));
  return {
    branches,
    ...(environments ? { environments } : {}),
    ...(approvalRules ? { approvalRules } : {}),
  };
}

async function premiumOnly<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof GitLabError && (error.status === 403 || error.status === 404))
      return undefined;
    throw error;
  }
}
