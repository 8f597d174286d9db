import { describe, expect, it } from "vitest";
import { bufferIo } from "../../src/output/io.js";
import { fleetProgress } from "../../src/output/progress.js";

function clock(start = 0) {
  let ms = start;
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) };
}

describe("fleet progress", () => {
  it("prints plain lines at most every five seconds without a terminal, and the totals at the end", () => {
    const io = bufferIo();
    const time = clock();
    const progress = fleetProgress(io, { total: 100, what: "drift", now: time.now });
    for (let i = 0; i < 100; i++) {
      time.advance(100);
      progress.done(`p${i}`);
    }
    progress.finish();
    const lines = io.err.trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.at(-1)).toBe("drift: 100/100 (10.0/s)");
  });

  it("keeps one live line on a terminal, with failures on their own lines and rate-limit waits in it", () => {
    const io = bufferIo();
    const live: string[] = [];
    const progress = fleetProgress(
      { ...io, status: (line) => live.push(line) },
      { total: 3, what: "status", now: clock().now },
    );
    progress.done("[1/3] acme/a");
    progress.waiting("GitLab's rate limit");
    progress.done("[2/3] acme/b", "failed: not found (404)");
    progress.done("[3/3] acme/c");
    progress.finish();
    expect(live).toContain("status: 1/3 (1000.0/s; waiting for GitLab's rate limit)");
    expect(io.err).toContain("[2/3] acme/b: failed: not found (404)\n");
    expect(live.at(-1)).toBe("");
    expect(io.err.trim().split("\n").at(-1)).toBe("status: 3/3 (3000.0/s, 1 failed)");
  });
});
