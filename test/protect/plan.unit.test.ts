import { describe, expect, it } from "vitest";
import { RISK_DEFAULTS } from "../../src/config/protection.js";
import type { ResolvedEnvironment } from "../../src/config/types.js";
import type { ProtectedBranch } from "../../src/gitlab/protection-rest.js";
import { levelOperations, planProtection } from "../../src/core/protection.js";
import { wildcardMatch } from "../../src/core/wildcard.js";

const role = (id: number, access_level: number) => ({ id, access_level });

const branch = (name: string, extra: Partial<ProtectedBranch> = {}): ProtectedBranch => ({
  id: 1,
  name,
  push_access_levels: [role(11, 40)],
  merge_access_levels: [role(12, 40)],
  unprotect_access_levels: [],
  allow_force_push: false,
  code_owner_approval_required: false,
  inherited: false,
  ...extra,
});

const production = (risk: "low" | "medium" | "high"): ResolvedEnvironment => ({
  name: "production",
  branch: "main",
  gitlab_environment: "production",
  protected: true,
  protection: { risk, ...RISK_DEFAULTS[risk] },
});

describe("levelOperations", () => {
  it("asks nothing when the one role entry is the declared one", () => {
    expect(levelOperations([role(1, 40)], 40)).toEqual([]);
  });

  it("changes an entry in place rather than removing and adding", () => {
    expect(levelOperations([role(1, 30)], 0)).toEqual([{ id: 1, access_level: 0 }]);
  });

  it("keeps the entry that is already right and removes the other roles by id", () => {
    expect(levelOperations([role(1, 30), role(2, 40)], 40)).toEqual([{ id: 1, _destroy: true }]);
  });

  it("leaves users, groups and deploy keys alone, and adds the role when none is there", () => {
    const deployKey = { id: 3, access_level: 40, deploy_key_id: 9 };
    expect(levelOperations([deployKey], 40)).toEqual([{ access_level: 40 }]);
    expect(levelOperations([role(1, 30), deployKey], 30)).toEqual([]);
  });

  it("takes an empty list as GitLab's default where there is one (unprotect: maintainers)", () => {
    expect(levelOperations([], 40, 40)).toEqual([]);
    expect(levelOperations([], 60, 40)).toEqual([{ access_level: 60 }]);
  });
});

describe("wildcardMatch", () => {
  it.each([
    ["release/*", "release/1.2", true],
    ["*-stable", "v1/2-stable", true],
    ["main", "main", true],
    ["main", "main2", false],
    ["rel.ase/*", "release/1", false],
    ["*", "anything/at/all", true],
  ])("%s covers %s: %s", (pattern, name, expected) => {
    expect(wildcardMatch(pattern, name)).toBe(expected);
  });
});

describe("planProtection", () => {
  it("creates a missing branch rule with the POST shape and only free fields on GitLab Free", () => {
    const plan = planProtection([production("high")], { branches: [] });
    expect(plan.premium).toBe(false);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]!.write).toEqual({
      kind: "create-branch",
      branch: "main",
      body: { name: "main", push_access_level: 0, merge_access_level: 40, allow_force_push: false },
    });
    expect(plan.findings.map((f) => f.kind)).toEqual(["premium"]);
  });

  it("reports a wildcard that lets more in, and plans nothing against it", () => {
    const plan = planProtection([production("medium")], {
      branches: [
        branch("main", { merge_access_levels: [role(12, 30)] }),
        branch("ma*", { id: 2, push_access_levels: [role(21, 30)] }),
      ],
    });
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => f.kind)).toEqual(["override", "premium"]);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        kind: "override",
        message: expect.stringContaining("the wildcard rule ma* also covers main") as string,
      }),
    );
  });

  it("does not report a wildcard that is stricter than the declaration", () => {
    const plan = planProtection([production("low")], {
      branches: [
        branch("main", { push_access_levels: [role(11, 30)], merge_access_levels: [role(12, 30)] }),
        branch("*", { id: 2, push_access_levels: [role(21, 0)] }),
      ],
    });
    expect(plan.changes).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it("plans no approval rule for a branch only the group's rule protects (it would cover all)", () => {
    const plan = planProtection([production("high")], {
      branches: [branch("main", { inherited: true, push_access_levels: [role(11, 0)] })],
      environments: [],
      approvalRules: [],
    });
    expect(plan.changes.map((c) => c.write.kind)).toEqual(["create-environment"]);
    expect(plan.findings.map((f) => f.kind)).toEqual(["inherited"]);
  });
});
