/**
 * The jobs of a `.gitlab-ci.yml` that deploy an environment: `environment: NAME` or
 * `environment: { name: NAME }`, without an `action` other than `start` (a job that stops,
 * prepares, verifies or only accesses an environment deploys nothing). Hidden jobs (`.template`) and global keywords are not jobs; a name
 * built from variables cannot be matched and is left out. Text from the repository: a file that
 * does not parse names no job.
 */
import { parse } from "yaml";
import { EnvsyncError } from "../errors.js";

/** GitLab's own limit for one CI/CD configuration file (`max_yaml_size_bytes`, 2 MiB). */
export const MAX_CI_FILE_BYTES = 2 * 1024 * 1024;

const GLOBAL_KEYWORDS = new Set([
  "default",
  "include",
  "stages",
  "variables",
  "workflow",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
  "spec",
]);

export function deployJobNames(ciFile: string, environment: string): string[] {
  const bytes = Buffer.byteLength(ciFile);
  if (bytes > MAX_CI_FILE_BYTES)
    throw new EnvsyncError(
      "too-large",
      `.gitlab-ci.yml is ${(bytes / 1024 / 1024).toFixed(1)} MiB, past the 2 MiB GitLab itself accepts; EnvSync does not read it for deploy jobs`,
      { hint: "name the environment's jobs in envsync.yaml (`deploy_jobs`)" },
    );
  let document: unknown;
  try {
    // GitLab's own tags (!reference) stay unresolved values, not errors. Duplicate keys are not
    // looked for (GitLab keeps the last, as this does): the check compares each key with every
    // one before it, quadratic in a file of many keys.
    document = parse(ciFile, { logLevel: "silent", maxAliasCount: 100, uniqueKeys: false });
  } catch {
    return [];
  }
  if (!isRecord(document)) return [];
  return Object.entries(document)
    .filter(([name, job]) => !name.startsWith(".") && !GLOBAL_KEYWORDS.has(name) && isRecord(job))
    .filter(
      ([, job]) => environmentOf((job as Record<string, unknown>).environment) === environment,
    )
    .map(([name]) => name);
}

function environmentOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!isRecord(value) || typeof value.name !== "string") return undefined;
  return value.action === undefined || value.action === "start" ? value.name : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
