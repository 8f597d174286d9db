import { describe, expect, it } from "vitest";
import { LatencyGovernor } from "../../src/gitlab/governor.js";

describe("LatencyGovernor", () => {
  it("starts low and grows to the bound while GitLab answers as fast as unloaded", () => {
    const governor = new LatencyGovernor(16);
    expect(governor.limit).toBe(4);
    for (let i = 0; i < 300; i++) governor.observe(50);
    expect(governor.limit).toBe(16);
  });

  it("cuts back when latency climbs far above usual, and never below one", () => {
    const governor = new LatencyGovernor(16);
    for (let i = 0; i < 300; i++) governor.observe(50);
    for (let i = 0; i < 40; i++) governor.observe(400);
    expect(governor.limit).toBeLessThan(16);
    for (let i = 0; i < 2000; i++) governor.observe(400 * (1 + i));
    expect(governor.limit).toBeGreaterThanOrEqual(1);
  });

  it("settles where GitLab slows down with load: latency grows with requests in flight", () => {
    const governor = new LatencyGovernor(32);
    // A GitLab that answers in 40 ms plus 40 ms for every request in flight beyond 8.
    for (let i = 0; i < 3000; i++) governor.observe(40 + 40 * Math.max(0, governor.limit - 8));
    expect(governor.limit).toBeLessThan(32);
    expect(governor.limit).toBeGreaterThanOrEqual(4);
  });

  it("never goes above a small bound", () => {
    const governor = new LatencyGovernor(2);
    for (let i = 0; i < 100; i++) governor.observe(10);
    expect(governor.limit).toBe(2);
  });
});
