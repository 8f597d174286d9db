import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { assessRollback, MANY_COMMITS, type Revision } from "../../src/rollback/assess.js";
import type { MigrationFinding } from "../../src/rollback/migrations.js";

const config = parseConfig(
  "version: 1\nenvironments:\n  staging: { branch: staging, gitlab_environment: stage }\n" +
    "  production: { branch: main, protected: true }\n",
  "envsync.yaml",
);
const [staging, production] = config.environments as [
  (typeof config.environments)[0],
  (typeof config.environments)[0],
];
const deployed: Revision = { sha: "d".repeat(40), source: "deployment", deployment_id: 7 };
const target: Revision = { sha: "t".repeat(40), source: "previous deployment" };
const migration = (
  classification: MigrationFinding["classification"],
  path = `db/migrate/${classification}.rb`,
  line?: number,
): MigrationFinding => ({
  path,
  framework: "rails",
  classification,
  reason: `it is ${classification}`,
  ...(line ? { line } : {}),
});
const assess = (over: {
  commits?: number;
  migrations?: MigrationFinding[];
  env?: typeof staging;
}) =>
  assessRollback(
    {
      environment: over.env ?? staging,
      deployed,
      target,
      commits: over.commits ?? 3,
      migrations: over.migrations ?? [],
    },
    config,
  );

describe("assessRollback", () => {
  it("calls a rollback with no migrations on an unprotected environment low risk", () => {
    expect(assess({})).toEqual({
      environment: "staging",
      gitlab_environment: "stage",
      deployed,
      target,
      commits_between: 3,
      migrations: [],
      risk: "low",
      reasons: ["no migrations between the target and what is deployed"],
      confirmation_required: null,
    });
  });

  it("calls reversible migrations, or a protected environment, medium", () => {
    const reversible = assess({ migrations: [migration("reversible"), migration("reversible")] });
    expect(reversible.risk).toBe("medium");
    expect(reversible.reasons).toEqual(["2 reversible migrations must run their down steps"]);
    const onProduction = assess({ env: production });
    expect(onProduction.risk).toBe("medium");
    expect(onProduction.reasons).toEqual(["production is protected"]);
  });

  it("calls an unknown migration, or more than 50 commits, high", () => {
    expect(assess({ migrations: [migration("unknown")] }).reasons).toEqual([
      "migration db/migrate/unknown.rb may not roll back: it is unknown",
    ]);
    expect(assess({ migrations: [migration("unknown")] }).risk).toBe("high");
    expect(assess({ commits: MANY_COMMITS }).risk).toBe("low");
    expect(assess({ commits: MANY_COMMITS + 1 })).toMatchObject({
      risk: "high",
      reasons: ["51 commits would be undone (more than 50)"],
    });
  });

  it("blocks on an irreversible migration whatever else is true, naming its line", () => {
    const result = assess({
      commits: 80,
      env: production,
      migrations: [migration("reversible"), migration("irreversible", "db/drop.sql", 4)],
    });
    expect(result.risk).toBe("blocked");
    expect(result.reasons[0]).toBe("irreversible migration db/drop.sql:4: it is irreversible");
  });

  it("never calls a migration found outside the configured paths low, and says where to add it", () => {
    const outside = (classification: MigrationFinding["classification"], path: string) => ({
      ...migration(classification, path, 2),
      outside_paths: true as const,
      hint: `add "${path.replace(/\/[^/]+$/, "/**")}" to rollback.migrations.paths`,
    });
    const reversible = assess({ migrations: [outside("reversible", "shop/db/0002_x.py")] });
    expect(reversible.risk).toBe("medium");
    expect(reversible.reasons).toEqual([
      "1 reversible migration must run its down step",
      'shop/db/0002_x.py found outside rollback.migrations.paths: add "shop/db/**" to rollback.migrations.paths',
    ]);
    const dropped = assess({
      migrations: [outside("irreversible", "sql/a.sql"), outside("unknown", "sql/b.sql")],
    });
    expect(dropped.risk).toBe("blocked");
    expect(dropped.reasons).toEqual([
      "irreversible migration sql/a.sql:2 (outside rollback.migrations.paths): it is irreversible",
      "migration sql/b.sql (outside rollback.migrations.paths) may not roll back: it is unknown",
      'sql/a.sql, sql/b.sql found outside rollback.migrations.paths: add "sql/**" to rollback.migrations.paths',
    ]);
  });

  it("asks for confirmation on the environments rollback.require_confirmation lists", () => {
    // The default list is the protected environments.
    expect(assess({ env: production }).confirmation_required).toBe("confirm production");
    expect(assess({ env: staging }).confirmation_required).toBeNull();
  });
});
