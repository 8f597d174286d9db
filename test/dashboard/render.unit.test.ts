import { describe, expect, it } from "vitest";
import {
  changeNote,
  dashboardHeader,
  dashboardState,
  previousState,
  renderDashboard,
} from "../../src/dashboard/render.js";
import type { CommitSummary, PairDrift } from "../../src/drift/pair.js";
import { envsyncVersion } from "../../src/version.js";

const AT = new Date("2026-03-04T05:06:07Z");
const META = { title: "EnvSync environment health", at: AT, instance: "https://g.example" };
const sha = (c: string) => c.repeat(40);
const commit = (c: string, subject: string): CommitSummary => ({
  sha: sha(c),
  subject,
  author: "Ada",
  date: "2026-03-01T10:00:00+01:00",
});
/** A pair's drift as computePairDrift reports it; counts follow the lists. */
function pair(
  from: string,
  to: string,
  lists: {
    pending?: CommitSummary[];
    missing?: CommitSummary[];
    drifted?: string[];
    explained?: string[];
  } = {},
): PairDrift {
  const pending = lists.pending ?? [];
  const missing = lists.missing ?? [];
  const unexpected = [
    ...(lists.drifted ?? []).map((path) => ({ path, status: "M", pending: false })),
    ...(lists.explained ?? []).map((path) => ({ path, status: "M", pending: true })),
  ];
  return {
    from,
    to,
    from_branch: from,
    to_branch: to === "production" ? "main" : to,
    from_sha: sha("1"),
    to_sha: sha("2"),
    pending,
    applied: [],
    missing_upstream: missing,
    environment_local: { upstream: [], downstream: [] },
    files: { unexpected, expected: [] },
    counts: {
      pending: pending.length,
      applied: 0,
      missing_upstream: missing.length,
      environment_local: 0,
      unexpected_files: unexpected.length,
      drifted_files: lists.drifted?.length ?? 0,
      expected_files: 0,
    },
  };
}

describe("renderDashboard", () => {
  it("opens with the title and the time of the run, linking the pipeline when known", () => {
    expect(dashboardHeader({ ...META, pipelineUrl: "https://g.example/p/1" }).slice(0, 3)).toEqual([
      "## EnvSync environment health",
      "",
      "_Updated 2026-03-04 05:06 UTC by the scheduled EnvSync drift check " +
        "([pipeline](https://g.example/p/1)). This description is replaced on every run._",
    ]);
    expect(dashboardHeader(META)[2]).not.toContain("pipeline]");
  });

  it("gives each pair a table row, with counts that need attention in bold", () => {
    const text = renderDashboard(
      [
        pair("dev", "staging", { pending: [commit("a", "Feature")] }),
        pair("staging", "production", { missing: [commit("b", "Hotfix")], drifted: ["x.ts"] }),
      ],
      META,
    );
    expect(text).toContain("| dev → staging | 1 | 0 | 0 | 0 | 0 |");
    expect(text).toContain("| staging → production | 0 | 0 | **1** | **1** | 0 |");
  });

  it("says a pair is in step when nothing is pending, missing or different", () => {
    const text = renderDashboard([pair("dev", "staging")], META);
    expect(text).toContain(
      "### dev → staging (`dev` → `staging`)\n\nIn step: nothing pending, no hotfix missing " +
        "upstream, no unexplained drift.",
    );
  });

  it("lists hotfixes, unexplained files and pending commits, leaving out explained files", () => {
    const text = renderDashboard(
      [
        pair("staging", "production", {
          missing: [commit("b", "Hotfix")],
          drifted: ["src/app.ts"],
          explained: ["src/feature.ts"],
          pending: [commit("c", "Feature")],
        }),
      ],
      META,
    );
    expect(text).toContain(
      "**Hotfixes missing upstream** (1)\n\n- `bbbbbbbbbb` `Hotfix` (`Ada`, 2026-03-01)",
    );
    expect(text).toContain(
      "**Unexplained drift (files no pending promotion explains)** (1)\n\n- M `src/app.ts`",
    );
    expect(text).toContain("**Pending promotion** (1)\n\n- `cccccccccc` `Feature`");
    expect(text).not.toContain("src/feature.ts");
  });

  it("puts commit text in code, on one line, without a pipe that would split the cell", () => {
    // A subject could hold a quick action or a mention; in code GitLab runs neither.
    const subject = "/close\n@all | see `this`";
    const text = renderDashboard([pair("a", "b", { pending: [commit("d", subject)] })], META);
    expect(text).toContain("- `dddddddddd` `` /close @all \\| see `this` `` (`Ada`, 2026-03-01)");
    expect(text.split("\n").filter((l) => l.startsWith("/"))).toEqual([]);
  });

  it("shows at most 20 items of a list and counts the rest", () => {
    const many = Array.from({ length: 23 }, (_, i) => `file${i}.ts`);
    const text = renderDashboard([pair("a", "b", { drifted: many })], META);
    expect(text).toContain("- M `file19.ts`");
    expect(text).not.toContain("file20.ts");
    expect(text).toContain("- … and 3 more (see the job's envsync-drift.json)");
  });
});

describe("the dashboard's hidden state", () => {
  const pairs = [pair("staging", "production", { missing: [commit("b", "Hotfix")] })];

  it("is read back from the description it was written into", () => {
    const description = renderDashboard(pairs, META);
    expect(previousState(description)).toEqual(dashboardState(pairs, META));
  });

  it("does not change with the time of the run", () => {
    const later = renderDashboard(pairs, { ...META, at: new Date("2027-01-01T00:00:00Z") });
    expect(previousState(later)?.hash).toBe(dashboardState(pairs, META).hash);
  });

  it("changes with a pending commit, though no count does", () => {
    const one = dashboardState([pair("a", "b", { pending: [commit("c", "x")] })], META);
    const other = dashboardState([pair("a", "b", { pending: [commit("d", "x")] })], META);
    expect(one.pairs).toEqual(other.pairs);
    expect(one.hash).not.toBe(other.hash);
  });

  it("carries its version, EnvSync's, when it was written and when each pair was checked", () => {
    const state = dashboardState(pairs, {
      at: AT,
      checkedAt: "2026-03-04T04:00:00Z",
      environments: [{ name: "production", branch: "main", protected: true }],
    });
    expect(state).toMatchObject({
      schema_version: 1,
      envsync_version: envsyncVersion(),
      kind: "project",
      written_at: "2026-03-04T05:06:07.000Z",
      environments: [{ environment: "production", branch: "main", protected: true }],
    });
    expect(state.pairs[0]).toMatchObject({
      from: "staging",
      to: "production",
      checked_at: "2026-03-04T04:00:00Z",
      missing_upstream: 1,
    });
  });

  it("still reads a block written before it had a version, and keeps its hash", () => {
    const now = dashboardState(pairs, META);
    const { hash, pairs: list } = now;
    const old = list.map(({ pair, pending, missing_upstream, drifted_files, missing_shas }) => ({
      pair,
      pending,
      missing_upstream,
      drifted_files,
      missing_shas,
    }));
    const read = previousState(
      `<!-- envsync:dashboard ${JSON.stringify({ hash, pairs: old })} -->`,
    );
    expect(read).toEqual({ hash, pairs: old });
    expect(changeNote(read, now)).toBeUndefined();
  });

  it("does not read a block of another version, or one whose values have the wrong shape", () => {
    const state = dashboardState(pairs, META);
    const block = (value: unknown) => `<!-- envsync:dashboard ${JSON.stringify(value)} -->`;
    expect(previousState(block({ ...state, schema_version: 2 }))).toBeUndefined();
    expect(previousState(block({ ...state, schema_version: "1" }))).toBeUndefined();
    expect(previousState(block({ ...state, written_at: "yesterday" }))).toBeUndefined();
    expect(previousState(block({ ...state, envsync_version: "1.0; rm -rf" }))).toBeUndefined();
    const badPair = { ...state.pairs[0]!, pending: -1 };
    expect(previousState(block({ ...state, pairs: [badPair] }))).toBeUndefined();
    // A later block that fits is still found.
    expect(previousState(`${block({ ...state, schema_version: 2 })}\n${block(state)}`)).toEqual(
      state,
    );
  });

  it("is absent from a description someone edited by hand", () => {
    expect(previousState("## my notes")).toBeUndefined();
    expect(previousState("<!-- envsync:dashboard {not json} -->")).toBeUndefined();
  });

  it("is read in one pass from a description of many unclosed state openings (#22)", () => {
    // The old pattern rescanned the rest of the line from each opening: about 10^11 steps.
    const state = renderDashboard([pair("a", "b", {})], META).match(/<!-- envsync:[^\n]*-->/)![0];
    const hostile = "<!-- envsync:dashboard {".repeat(150_000);
    expect(previousState(hostile)).toBeUndefined();
    expect(previousState(`${hostile}\n${state}`)?.pairs).toHaveLength(1);
  });
});

describe("changeNote", () => {
  const before = dashboardState(
    [
      pair("dev", "staging", { pending: [commit("a", "x")] }),
      pair("staging", "production", { missing: [commit("b", "Hotfix")] }),
    ],
    META,
  );

  it("says nothing when nothing changed", () => {
    expect(changeNote(before, before)).toBeUndefined();
  });

  it("gives each changed count as before → after and names a new hotfix", () => {
    const after = dashboardState(
      [
        pair("dev", "staging", { pending: [commit("a", "x"), commit("c", "y")] }),
        pair("staging", "production", {
          missing: [commit("b", "Hotfix"), commit("e", "Hotfix 2")],
          drifted: ["x"],
        }),
      ],
      META,
    );
    expect(changeNote(before, after)).toBe(
      "**EnvSync drift check**: something changed since the last run.\n" +
        "- dev → staging: pending 1 → 2\n" +
        "- staging → production: missing upstream 1 → 2; unexplained drift 0 → 1; " +
        "new hotfix missing upstream: `eeeeeeeeee`",
    );
  });

  it("reports every non-zero count on a first run", () => {
    const note = changeNote(undefined, before);
    expect(note).toContain("- dev → staging: pending 1");
    expect(note).toContain(
      "- staging → production: missing upstream 1; new hotfix missing upstream: `bbbbbbbbbb`",
    );
  });
});
