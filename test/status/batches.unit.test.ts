import { describe, expect, it } from "vitest";
import { MAX_QUERY_COMPLEXITY, statusQueryComplexity } from "../../src/gitlab/queries.js";
import { batchByComplexity } from "../../src/status/status.js";

const project = (name: string, envs: number) => ({ name, environments: Array(envs).fill(0) });

describe("batchByComplexity", () => {
  it("keeps every request within GitLab's limit, and the projects in order", () => {
    const targets = Array.from({ length: 11 }, (_, i) => project(`p${i}`, 1 + (i % 4)));
    const batches = batchByComplexity(targets, 50);
    expect(batches.flat().map((t) => t.name)).toEqual(targets.map((t) => t.name));
    for (const batch of batches)
      expect(statusQueryComplexity(batch.map((t) => t.environments.length))).toBeLessThanOrEqual(
        MAX_QUERY_COMPLEXITY,
      );
  });

  it("never puts more projects in a request than asked", () => {
    const batches = batchByComplexity(
      [1, 2, 3, 4, 5].map((i) => project(`p${i}`, 1)),
      2,
    );
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it("asks alone for a project that is over the limit by itself", () => {
    const batches = batchByComplexity(
      [project("small", 1), project("huge", 9), project("s2", 1)],
      5,
    );
    expect(batches.map((b) => b.map((t) => t.name))).toEqual([["small"], ["huge"], ["s2"]]);
  });
});
