import { describe, expect, it } from "vitest";
import { healthFromStatus } from "../../src/dashboard/health.js";
import { dashboardStateSchema } from "../../src/dashboard/state.js";
import { dashboardState } from "../../src/dashboard/render.js";
import { pairDrift } from "../helpers/drift.js";
import type { EnvironmentStatus } from "../../src/status/status.js";

const AT = "2026-11-24T06:00:00.000Z";

function status(overrides: Partial<EnvironmentStatus>): EnvironmentStatus {
  return {
    environment: "production",
    branch: "main",
    gitlab_environment: "production",
    head: { sha: "A".repeat(40), title: "t", committed_at: AT, url: "https://g/x" },
    pipeline: { status: "SUCCESS", created_at: AT, url: null },
    deployment: { sha: "b".repeat(40), finished_at: AT, ref: "main", deploys_head: false },
    drift: null,
    ...overrides,
  };
}

describe("the health a dashboard's state block carries", () => {
  it("keeps GitLab's facts in the block's shape: lower-case shas and statuses", () => {
    expect(healthFromStatus(status({}), AT)).toEqual({
      checked_at: AT,
      head_sha: "a".repeat(40),
      pipeline: { status: "success", created_at: AT },
      deployment: { sha: "b".repeat(40), finished_at: AT, deploys_head: false },
    });
  });

  it("turns an answer of another shape into null or unknown, so the block always reads back", () => {
    const odd = healthFromStatus(
      status({
        head: { sha: "not a sha", title: "t", committed_at: AT, url: "" },
        pipeline: { status: "waiting for -->\n/close", created_at: AT, url: null },
        deployment: { sha: null, finished_at: "yesterday", ref: null, deploys_head: true },
      }),
      AT,
    );
    expect(odd).toEqual({
      checked_at: AT,
      head_sha: null,
      pipeline: { status: "unknown", created_at: AT },
      deployment: { sha: null, finished_at: null, deploys_head: true },
    });
    expect(
      healthFromStatus(status({ pipeline: { status: "FAILED", created_at: "", url: null } }), AT),
    ).toMatchObject({ pipeline: null });
    const state = dashboardState([pairDrift()], {
      at: new Date(AT),
      environments: [{ name: "production", branch: "main", protected: true }],
      health: new Map([["production", odd]]),
    });
    expect(dashboardStateSchema.parse(state)).toEqual(state);
  });
});
