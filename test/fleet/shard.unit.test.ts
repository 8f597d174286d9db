import { describe, expect, it } from "vitest";
import { inShard, parseShard, shardOf } from "../../src/fleet/shard.js";

const fleet = Array.from({ length: 2000 }, (_, i) => ({
  path: `acme/group${i % 37}/project-${i}`,
}));

describe("shards of a fleet", () => {
  it("cover every project exactly once", () => {
    const count = 8;
    const shards = Array.from({ length: count }, (_, i) => inShard(fleet, { index: i + 1, count }));
    expect(
      shards
        .flat()
        .map((p) => p.path)
        .sort(),
    ).toEqual(fleet.map((p) => p.path).sort());
    const seen = new Set<string>();
    for (const shard of shards)
      for (const p of shard) {
        expect(seen.has(p.path)).toBe(false);
        seen.add(p.path);
      }
  });

  it("keep a project on its shard whatever else joins or leaves the fleet", () => {
    const before = new Map(fleet.map((p) => [p.path, shardOf(p.path, 4)]));
    const changed = [...fleet.slice(100), { path: "acme/new-project" }];
    for (const p of changed.slice(0, 500)) expect(shardOf(p.path, 4)).toBe(before.get(p.path));
  });

  it("are near even", () => {
    const sizes = Array.from(
      { length: 4 },
      (_, i) => inShard(fleet, { index: i + 1, count: 4 }).length,
    );
    for (const size of sizes) expect(Math.abs(size - 500)).toBeLessThan(75);
  });

  it.each([
    ["3/2", "I is between 1 and 2."],
    ["0/4", "I is between 1 and 4."],
    ["1/0", "N is between 1 and 1000."],
    ["1/100000000", "N is between 1 and 1000."],
    ["1/1001", "N is between 1 and 1000."],
    ["two", "It takes I/N"],
    ["1/2/3", "It takes I/N"],
  ])("refuses %s", (value, message) => {
    expect(parseShard(value)).toEqual(expect.stringContaining(message));
  });

  it("reads 2/8", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
  });
});
