import { describe, expect, it } from "vitest";
import type { PromotionGates } from "../../src/config/types.js";
import { evaluateGates, type PromotionFacts } from "../../src/promote/gates.js";

const GATES: PromotionGates = {
  pipeline: true,
  deployed: true,
  soak_minutes: 0,
  hotfixes: true,
  always_manual: "report",
  unknown: "protected",
};
const HEAD = "a".repeat(40);
const facts = (over: Partial<PromotionFacts> = {}): PromotionFacts => ({
  sourceHead: HEAD,
  latestPipeline: { status: "success", sha: HEAD },
  lastDeployment: { sha: HEAD, finishedAt: "2026-11-24T10:00:00Z" },
  now: new Date("2026-11-24T12:00:00Z"),
  missingUpstream: [],
  pendingPaths: new Map(),
  alwaysManual: ["db/**"],
  targetProtected: true,
  ...over,
});
const blocking = (gates: PromotionGates, f: PromotionFacts) =>
  evaluateGates(gates, f)
    .filter((g) => g.blocks)
    .map((g) => g.name);

describe("evaluateGates", () => {
  it("passes every gate on a green, deployed head with nothing to revert", () => {
    expect(evaluateGates(GATES, facts()).map((g) => g.status)).toEqual([
      "pass",
      "pass",
      "pass",
      "pass",
    ]);
  });

  it("lets `unknown` block by policy: always, never, or for protected targets", () => {
    const offline = facts({ latestPipeline: undefined, lastDeployment: undefined });
    expect(blocking(GATES, offline)).toEqual(["pipeline", "deployed"]);
    expect(blocking(GATES, { ...offline, targetProtected: false })).toEqual([]);
    expect(blocking({ ...GATES, unknown: "allow" }, offline)).toEqual([]);
    expect(
      blocking({ ...GATES, unknown: "block" }, { ...offline, targetProtected: false }),
    ).toEqual(["pipeline", "deployed"]);
  });

  it("checks nothing that is switched off", () => {
    const off = { ...GATES, pipeline: false, deployed: false, hotfixes: false };
    const f = facts({
      latestPipeline: null,
      missingUpstream: [{ sha: "b".repeat(40), subject: "x" }],
    });
    expect(evaluateGates(off, f).map((g) => g.name)).toEqual(["always_manual"]);
  });

  it("times the soak from the deployment's end", () => {
    const gates = { ...GATES, soak_minutes: 90 };
    expect(evaluateGates(gates, facts()).find((g) => g.name === "soak")).toMatchObject({
      status: "pass",
      detail: "deployed 120 min ago (soak 90 min)",
    });
    const noDeployment = facts({ lastDeployment: null, targetProtected: false });
    expect(evaluateGates(gates, noDeployment).find((g) => g.name === "soak")!.status).toBe(
      "unknown",
    );
  });

  it("reports always_manual paths, blocking only when configured", () => {
    const f = facts({ pendingPaths: new Map([["c".repeat(40), ["db/migrate/1.rb"]]]) });
    expect(blocking(GATES, f)).toEqual([]);
    expect(blocking({ ...GATES, always_manual: "block" }, f)).toEqual(["always_manual"]);
  });
});

describe("gates GitLab refused to read", () => {
  it("are unknown with the reason, under the unknown policy", () => {
    const gates = evaluateGates(
      { ...GATES, unknown: "block" },
      {
        sourceHead: "a".repeat(40),
        now: new Date("2026-12-01T00:00:00Z"),
        missingUpstream: [],
        pendingPaths: new Map(),
        alwaysManual: [],
        targetProtected: false,
        unknownWhy: { deployed: "GitLab refused this token the deployments (insufficient_scope)" },
        latestPipeline: { status: "success", sha: "a".repeat(40) },
      },
    );
    expect(gates.find((g) => g.name === "deployed")).toEqual({
      name: "deployed",
      status: "unknown",
      detail: "GitLab refused this token the deployments (insufficient_scope)",
      blocks: true,
    });
    expect(gates.find((g) => g.name === "pipeline")?.status).toBe("pass");
  });
});
