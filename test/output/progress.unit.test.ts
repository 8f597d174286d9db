import { describe, expect, it, vi } from "vitest";
import { bufferIo } from "../../src/output/io.js";
import { fleetProgress, localActivity } from "../../src/output/progress.js";

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

describe("local activity", () => {
  function terminal() {
    const io = bufferIo();
    const lines: string[] = [];
    return { io: { ...io, status: (line: string) => lines.push(line) }, buffer: io, lines };
  }

  it("says nothing for work under a second, then names the step and the seconds, ticking", () => {
    vi.useFakeTimers();
    try {
      const { io, lines } = terminal();
      const activity = localActivity(io);
      activity.step("drift dev → staging: reading commits");
      vi.advanceTimersByTime(900);
      expect(lines).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(lines).toEqual(["drift dev → staging: reading commits (1s)"]);
      activity.step("picking 2/3");
      vi.advanceTimersByTime(1000);
      expect(lines.slice(1)).toEqual(["picking 2/3 (1s)", "picking 2/3 (2s)"]);
      activity.done();
      expect(lines.at(-1)).toBe("");
      vi.advanceTimersByTime(5000);
      expect(lines).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it("draws nothing under --json or off a terminal; notes reach stderr in text mode only", () => {
    vi.useFakeTimers();
    try {
      const { io, lines, buffer } = terminal();
      const quiet = localActivity(io, { json: true });
      quiet.step("reading");
      vi.advanceTimersByTime(3000);
      quiet.note("local develop is 3 behind origin/develop");
      quiet.done();
      expect(lines).toEqual([]);
      expect(buffer.err).toBe("");

      const plain = bufferIo();
      const offTerminal = localActivity(plain);
      offTerminal.step("reading");
      vi.advanceTimersByTime(3000);
      offTerminal.note("a note");
      offTerminal.done();
      expect(plain.err).toBe("a note\n");
    } finally {
      vi.useRealTimers();
    }
  });

  it("clears the live line before a note and draws it again after", () => {
    vi.useFakeTimers();
    try {
      const { io, lines, buffer } = terminal();
      const activity = localActivity(io);
      activity.step("reading");
      vi.advanceTimersByTime(1000);
      activity.note("a note");
      expect(lines).toEqual(["reading (1s)", "", "reading (1s)"]);
      expect(buffer.err).toBe("a note\n");
      activity.done();
    } finally {
      vi.useRealTimers();
    }
  });
});
