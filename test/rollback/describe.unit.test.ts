import { describe, expect, it } from "vitest";
import type { RollbackAssessment } from "../../src/rollback/assess.js";
import { rollbackDescription } from "../../src/rollback/describe.js";
import { readRecord } from "../../src/gitlab/rollback-record.js";

const hex = (n: number) => n.toString(16).padStart(40, "0");

describe("the rollback merge request's description", () => {
  const assessment: RollbackAssessment = {
    environment: "production",
    gitlab_environment: "production",
    deployed: { sha: hex(9999), source: "deployment" },
    target: { sha: hex(1), source: "previous deployment" },
    commits_between: 450,
    migrations: [],
    risk: "high",
    reasons: ["450 commits would be undone (more than 50)"],
    confirmation_required: null,
  };
  const undone = Array.from({ length: 450 }, (_, i) => ({
    sha: hex(i + 2),
    subject: i === 0 ? "/close @everyone ![x](https://evil.example/x.png)" : `change ${i}`,
    picked_from: [],
  }));
  const description = rollbackDescription(
    assessment,
    { base_sha: hex(9999), branch: "envsync/rollback/production-00000000", reverts: [], undone },
    { status: "reverted", reverted: [], skipped: [] },
  );

  it("lists 200 commits for people, and every one in the record", () => {
    expect(description).toContain("- … and 250 more");
    expect(readRecord(description)!.undone).toHaveLength(450);
  });

  it("keeps a hostile subject inert: no line starts with a quick action, no bare mention", () => {
    expect(description.split("\n").some((line) => line.startsWith("/"))).toBe(false);
    expect(description).toContain("`/close @everyone ![x](https://evil.example/x.png)`");
  });
});
