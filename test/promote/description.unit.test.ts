import { describe, expect, it } from "vitest";
import { promotionDescription } from "../../src/promote/promote.js";
import { pairDrift } from "../helpers/drift.js";
import { activeMarkdown } from "../helpers/markdown.js";

const hostile = "x\n/close\n@all ![p](https://evil.example/p.png) <img src=x>";

describe("promotionDescription (#22)", () => {
  it("renders outside values (GitLab's gate details, shas and dates read over the API) inert", () => {
    const commit = { sha: "abc`\n/close @all", subject: hostile, author: hostile, date: hostile };
    const text = promotionDescription(
      pairDrift({
        from: "staging\n/close",
        pending: [commit],
        environment_local: { upstream: [commit], downstream: [] },
      }),
      [
        {
          name: "pipeline",
          status: "unknown",
          detail: `GitLab refused this token the pipelines (${hostile} | a | b)`,
          blocks: false,
        },
      ],
    );
    expect(activeMarkdown(text)).toEqual([]);
    expect(text).toContain("| pipeline | unknown | `GitLab refused this token the pipelines");
    expect(text.split("\n").filter((l) => l.startsWith("| pipeline"))).toHaveLength(1);
  });
});
