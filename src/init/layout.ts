/**
 * Which branches are environment branches, in promotion order, from their names: the common
 * layouts (develop / staging / main, dev / qa / prod, release branches) and GitLab's environments
 * and protected branches where they are known.
 */
import { wildcardMatch } from "../core/wildcard.js";

export interface DetectedEnvironment {
  name: string;
  branch: string;
  protected: boolean;
  /** The `envsync protect` level closest to who may push to the branch in GitLab today. */
  risk?: "low" | "medium" | "high";
  /** Set when GitLab knows the environment under another name. */
  gitlab_environment?: string;
}

interface Tier {
  name: string;
  rank: number;
  branches: RegExp;
}

// In promotion order; the first branch name a tier matches wins it.
const TIERS: Tier[] = [
  { name: "dev", rank: 0, branches: /^(develop|development|dev)$/ },
  { name: "qa", rank: 1, branches: /^(qa|test|testing|integration)$/ },
  { name: "staging", rank: 2, branches: /^(staging|stage|uat)$/ },
  { name: "preprod", rank: 3, branches: /^(preprod|pre-production|preproduction)$/ },
  { name: "release", rank: 4, branches: /^releases?\/v?\d+(\.\d+)*$/ },
  { name: "production", rank: 5, branches: /^(main|master|production|prod)$/ },
];

// GitLab environment names that stand for a tier.
const GITLAB_NAMES: Record<string, RegExp> = {
  dev: /^(dev|develop|development)$/i,
  qa: /^(qa|test|testing)$/i,
  staging: /^(staging|stage|uat)$/i,
  preprod: /^(preprod|pre-production)$/i,
  production: /^(production|prod|live)$/i,
};

export function detectLayout(
  branches: readonly string[],
  gitlab: {
    environments?: readonly string[];
    protectedBranches?: readonly string[];
    /** Role push levels of each protected branch rule (0 no one, 30 developers, 40+ more). */
    pushLevels?: ReadonlyMap<string, readonly number[]>;
  } = {},
): DetectedEnvironment[] {
  const names = [...new Set(branches)].sort();
  const found: DetectedEnvironment[] = [];
  for (const tier of TIERS) {
    const matching = names.filter((b) => tier.branches.test(b));
    if (matching.length === 0) continue;
    // Of several release branches, the newest version is the one being released.
    const branch = matching.sort(byVersion).at(-1)!;
    const isProtected = gitlab.protectedBranches
      ? gitlab.protectedBranches.some((p) => wildcardMatch(p, branch))
      : tier.name === "production";
    const gitlabName = gitlab.environments?.find((e) => GITLAB_NAMES[tier.name]?.test(e));
    const risk = riskFromPush(gitlab.pushLevels, branch);
    found.push({
      name: tier.name,
      branch,
      protected: isProtected,
      ...(risk ? { risk } : {}),
      ...(gitlabName && gitlabName !== tier.name ? { gitlab_environment: gitlabName } : {}),
    });
  }
  return found;
}

/**
 * The risk level whose push rule matches GitLab's today, by the most open rule covering the branch
 * (GitLab applies that one): developers low, maintainers medium, no one high. None for a branch no
 * rule protects: init guesses nothing.
 */
function riskFromPush(
  rules: ReadonlyMap<string, readonly number[]> | undefined,
  branch: string,
): DetectedEnvironment["risk"] {
  const levels = [...(rules ?? [])].flatMap(([pattern, push]) =>
    wildcardMatch(pattern, branch) ? push : [],
  );
  if (levels.length === 0) return undefined;
  if (levels.includes(30)) return "low";
  if (levels.some((l) => l >= 40)) return "medium";
  return "high";
}

function byVersion(a: string, b: string): number {
  const parts = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}
