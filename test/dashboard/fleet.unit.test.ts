import { describe, expect, it } from "vitest";
import { fleetState, mergeFleetReports, renderFleetDashboard } from "../../src/dashboard/fleet.js";
import type { FleetDriftReport, FleetProjectDrift } from "../../src/drift/drift.js";
import type { PairDrift } from "../../src/drift/pair.js";
import { pairDrift } from "../helpers/drift.js";

const project = (name: string, counts: Partial<PairDrift["counts"]> = {}): FleetProjectDrift => ({
  project: name,
  pairs: [pairDrift({ counts })],
});
const shard = (
  index: number,
  count: number,
  at: string,
  projects: FleetProjectDrift[],
): FleetDriftReport => ({
  mode: "api",
  shard: { index, count },
  generated_at: at,
  projects,
  requests: 1,
});
const META = {
  title: "Fleet health",
  at: new Date("2026-03-04T05:06:07Z"),
  instance: "https://g.example",
};
// The real caller hashes with sha256; the JSON itself shows every difference as well.
const hash = (value: unknown) => JSON.stringify(value);

describe("mergeFleetReports", () => {
  it("merges the shards' projects in name order and finds the missing shard", () => {
    const view = mergeFleetReports([
      shard(3, 3, "2026-03-04T05:00:00Z", [project("acme/zeta")]),
      shard(1, 3, "2026-03-04T05:00:00Z", [project("acme/alpha")]),
    ]);
    expect(view.projects.map((p) => p.project)).toEqual(["acme/alpha", "acme/zeta"]);
    expect(view.coverage).toEqual({ shards: 3, present: [1, 3], missing: [2], stale: [] });
  });

  it("keeps the newer report of a retried shard", () => {
    const view = mergeFleetReports([
      shard(1, 1, "2026-03-04T06:00:00Z", [project("acme/retried")]),
      shard(1, 1, "2026-03-04T05:00:00Z", [project("acme/first-try")]),
    ]);
    expect(view.projects.map((p) => p.project)).toEqual(["acme/retried"]);
  });

  it("calls a shard more than a day older than the newest stale", () => {
    const view = mergeFleetReports([
      shard(1, 2, "2026-03-04T05:00:00Z", []),
      shard(2, 2, "2026-03-03T04:59:59Z", []),
    ]);
    expect(view.coverage.stale).toEqual([2]);
    const withinADay = mergeFleetReports([
      shard(1, 2, "2026-03-04T05:00:00Z", []),
      shard(2, 2, "2026-03-03T05:00:00Z", []),
    ]);
    expect(withinADay.coverage.stale).toEqual([]);
  });

  it("takes a report without a shard as the whole fleet", () => {
    const view = mergeFleetReports([{ mode: "api", projects: [project("a/b")], requests: 1 }]);
    expect(view.coverage).toEqual({ shards: 1, present: [1], missing: [], stale: [] });
  });
});

describe("renderFleetDashboard", () => {
  it("warns that an incomplete fleet is incomplete, naming missing and stale shards", () => {
    const view = mergeFleetReports([
      shard(1, 3, "2026-03-04T05:00:00Z", []),
      shard(2, 3, "2026-03-01T05:00:00Z", []),
    ]);
    const text = renderFleetDashboard(view, fleetState(view, hash, META), META);
    expect(text).toContain(
      "> **Incomplete:** shards of 3: missing: 3; stale (over a day older): 2. ",
    );
  });

  it("sums each project's pairs, in bold where attention is needed, and shows a failure", () => {
    const view = mergeFleetReports([
      shard(1, 2, "2026-03-04T05:00:00Z", [project("acme/a", { pending: 2, drifted_files: 1 })]),
      shard(2, 2, "2026-03-04T05:00:00Z", [
        { project: "acme/b", error: "403 Forbidden\nmore detail" },
      ]),
    ]);
    const text = renderFleetDashboard(view, fleetState(view, hash, META), META);
    expect(text).toContain("All 2 shards reported.");
    expect(text).toContain("| `acme/a` | 2 | 0 | **1** |");
    expect(text).toContain("| `acme/b` | failed: `403 Forbidden` | | |");
  });
});

describe("fleetState", () => {
  it("names each pair by project and changes when coverage does", () => {
    const whole = mergeFleetReports([shard(1, 1, "2026-03-04T05:00:00Z", [project("acme/a")])]);
    const state = fleetState(whole, hash, META);
    expect(state.pairs.map((p) => p.pair)).toEqual(["acme/a staging>production"]);
    // Each pair is dated by its shard's report, and says its project and environments.
    expect(state).toMatchObject({
      schema_version: 1,
      kind: "fleet",
      written_at: META.at.toISOString(),
    });
    expect(state.pairs[0]).toMatchObject({
      project: "acme/a",
      from: "staging",
      to: "production",
      checked_at: "2026-03-04T05:00:00Z",
    });
    const partial = { ...whole, coverage: { ...whole.coverage, missing: [2] } };
    expect(fleetState(partial, hash, META).hash).not.toBe(fleetState(whole, hash, META).hash);
  });
});
