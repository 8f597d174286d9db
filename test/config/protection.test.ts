import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { RISK_DEFAULTS } from "../../src/config/protection.js";
import type { Problem } from "../../src/errors.js";
import { envsync, tempDir } from "../helpers/cli.js";

const config = (production: string) =>
  `version: 1
environments:
  dev: { branch: develop }
  production:
${production}
`;

function write(content: string): string {
  const file = join(tempDir(), "envsync.yaml");
  writeFileSync(file, content);
  return file;
}

describe("risk and protection in envsync.yaml", () => {
  it("gives each risk level its defaults, and leaves an environment without either unmanaged", () => {
    const resolved = parseConfig(config("    branch: main\n    risk: high"), "envsync.yaml");
    expect(resolved.environments[0]!.protection).toBeUndefined();
    expect(resolved.environments[1]!.protection).toEqual({ risk: "high", ...RISK_DEFAULTS.high });
  });

  it("lets single protection fields override the risk's defaults (medium's when no risk)", () => {
    const withRisk = parseConfig(
      config("    branch: main\n    risk: low\n    protection: { approvals: 3, deploy: admins }"),
      "envsync.yaml",
    );
    expect(withRisk.environments[1]!.protection).toEqual({
      ...RISK_DEFAULTS.low,
      risk: "low",
      approvals: 3,
      deploy: "admins",
    });
    const alone = parseConfig(
      config("    branch: main\n    protection: { push: no_one }"),
      "envsync.yaml",
    );
    expect(alone.environments[1]!.protection).toEqual({
      ...RISK_DEFAULTS.medium,
      risk: "medium",
      push: "no_one",
    });
  });

  it("refuses what GitLab refuses, at the line of the value", async () => {
    const file = write(
      config("    branch: main\n    risk: extreme\n    protection:\n      unprotect: no_one"),
    );
    const result = await envsync("validate", "-c", file, "--json");
    expect(result.code).toBe(1);
    const { problems } = JSON.parse(result.out) as { problems: Problem[] };
    const risk = problems.find((p) => p.path === "environments.production.risk");
    expect(risk?.line).toBe(6);
    const unprotect = problems.find(
      (p) => p.path === "environments.production.protection.unprotect",
    );
    expect(unprotect?.message).toBe(`'no_one' is not one of "developers", "maintainers", "admins"`);
    expect(unprotect?.line).toBe(8);
  });

  it("has validate explain each environment's level in words", async () => {
    const file = write(
      config("    branch: main\n    risk: high\n    protection: { approvals: 3 }"),
    );
    const result = await envsync("validate", "-c", file);
    expect(result.code).toBe(0);
    expect(result.out).toContain("protection in GitLab (`envsync protect` applies it):");
    expect(result.out).toContain(
      "production (branch main): risk high: no one pushes, maintainers merge with 2 approvals",
    );
    expect(result.out).toContain("push: no one; merge: maintainers;");
    expect(result.out).toContain("MR approvals: 3;");
    expect(result.out).not.toContain("dev (branch develop)");
  });
});
