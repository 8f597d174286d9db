import { describe, expect, it } from "vitest";
import { rankHypotheses, verdictOf } from "../../src/doctor/hypotheses.js";
import { firstError } from "../../src/doctor/log-evidence.js";

const RUNNER =
  "Running with gitlab-runner 18.5.0\nsection_start:1700000000:prepare_script\r\x1b[0KPreparing environment\nsection_end:1700000001:prepare_script\r\x1b[0K\n$ npm ci\nadded 312 packages\n";

describe("firstError", () => {
  it.each([
    [
      "npm",
      `${RUNNER}npm ERR! code ERESOLVE\nnpm ERR! could not resolve\nERROR: Job failed: exit code 1\n`,
      "npm ERR! code ERESOLVE",
      "npm",
    ],
    [
      "TypeScript",
      `${RUNNER}$ tsc\nsrc/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.\n`,
      "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.",
      "typescript",
    ],
    [
      "pytest",
      `${RUNNER}tests/test_calc.py F\n    def test_add():\nE   assert 3 == 4\n`,
      "E   assert 3 == 4",
      "pytest",
    ],
    [
      "Python traceback",
      `${RUNNER}Traceback (most recent call last):\n  File "x.py", line 1\nKeyError: 'a'\n`,
      "Traceback (most recent call last):",
      "python traceback",
    ],
    ["Go", `${RUNNER}=== RUN TestX\n--- FAIL: TestX (0.00s)\n`, "--- FAIL: TestX (0.00s)", "go"],
    [
      "a refused connection",
      `${RUNNER}connect ECONNREFUSED 10.0.0.5:5432\n`,
      "connect ECONNREFUSED 10.0.0.5:5432",
      "network",
    ],
    [
      "only the runner's line",
      `${RUNNER}$ ./deploy.sh\nERROR: Job failed: exit code 2\n`,
      "ERROR: Job failed: exit code 2",
      "runner",
    ],
  ])("finds the first error in a %s log, skipping runner noise", (_name, log, text, marker) => {
    expect(firstError(log)).toMatchObject({ text, marker });
  });

  it("keeps the excerpt within the line budget, mostly after the error", () => {
    const log = `${Array.from({ length: 500 }, (_, i) => `step ${i}`).join("\n")}\nError: boom\n${Array.from({ length: 500 }, (_, i) => `after ${i}`).join("\n")}`;
    const e = firstError(log, 40)!;
    expect(e.line).toBe(501);
    expect(e.excerpt.split("\n")).toHaveLength(40);
    expect(e.excerpt.split("\n")[10]).toBe("Error: boom");
  });

  it("handles a log of several megabytes", () => {
    const noise = "compiling module with a reasonably long line of output text\n".repeat(100_000);
    const e = firstError(`${noise}error[E0425]: cannot find value \`x\` in this scope\n${noise}`)!;
    expect(e.line).toBe(100_001);
    expect(e.marker).toBe("rust");
  });
});

describe("rankHypotheses", () => {
  it("blames the environment when the same commit passed before", () => {
    const h = rankHypotheses({
      failingSha: "f",
      failedJobs: [{ name: "test", errorText: "connect ECONNREFUSED", marker: "network" }],
      changes: {
        commits: 0,
        ciConfig: [],
        lockfiles: [],
        manifests: [],
        other: [],
        variablesAdded: [],
        variablesRemoved: [],
      },
      compared: [],
    });
    expect(h[0]).toMatchObject({ kind: "environment", confidence: 0.9 });
    expect(verdictOf(h)).toBe("environment");
  });

  it("blames the code when the error names a file changed since green", () => {
    const h = rankHypotheses({
      failingSha: "f",
      failedJobs: [{ name: "test", errorText: "FAIL src/calc.test.js", marker: "jest/vitest" }],
      changes: {
        commits: 2,
        ciConfig: [],
        lockfiles: ["package-lock.json"],
        manifests: [],
        other: ["src/calc.test.js"],
        variablesAdded: [],
        variablesRemoved: [],
      },
      compared: [],
    });
    expect(h[0]).toMatchObject({ kind: "code", confidence: 0.85 });
    expect(h.map((x) => x.cause)).toContain("a dependency change since the last green run");
    expect(verdictOf(h)).toBe("code");
  });
});

describe("firstError on logs of any shape", () => {
  // Each line below backtracked quadratically in the old patterns (about 10^10 steps); read in
  // one pass now, the long line is found for what it is.
  it("reads a long line of `failed` words without a closing `=` as no pytest summary", () => {
    const line = `= ${"failed ".repeat(100_000)}`;
    expect(firstError(`${line}\n==== 1 failed in 0.1s ====\n`)).toMatchObject({
      line: 2,
      marker: "pytest",
    });
  });

  it("strips section markers whose options never close, without scanning the log from each", () => {
    const log = `${"section_start:1:a[".repeat(30_000)}\nnpm ERR! code E404\n`;
    expect(firstError(log)).toMatchObject({ line: 2, marker: "npm" });
  });
});
