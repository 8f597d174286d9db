import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { envsyncIn, testEnv } from "../helpers/cli.js";
import { TestRepo } from "../helpers/repo.js";
import { attachRepositoryRoutes } from "../standin/repository.js";
import { addDiffNote, reviewsOf, type StandinDiffNote } from "../standin/reviews.js";
import { GitLabStandin } from "../standin/server.js";
import { GUEST, type StandinUser } from "../standin/state.js";

/** The conflict-resolver flow's service account, and a reviewer. */
const BOT: StandinUser = { id: 77, username: "envsync-resolver-bot" };
const REVIEWER: StandinUser = { id: 5, username: "rita" };

const CONFIG = `# Acme's environments
version: 1
project: acme/shop
environments:
  staging: { branch: staging }
  production: { branch: main, protected: true }
conflicts:
  ai_confidence_threshold: 0.8 # files in no category
  categories:
    # settings files: a wrong merge breaks production
    - name: config
      paths: ["config/**"]
      threshold: 0.85
    - { name: code, paths: ["src/**"] }
  learning:
    author: envsync-resolver-bot
`;

let standin: GitLabStandin;
let repo: TestRepo;
let projectId: number;

beforeEach(async () => {
  standin = await new GitLabStandin().start();
  attachRepositoryRoutes(standin);
  repo = new TestRepo();
  repo.commit("base", { "envsync.yaml": CONFIG });
  repo.git("branch", "-M", "main");
  projectId = standin.state.addProject("acme/shop").id;
  standin.state.repositories.set(projectId, repo.dir);
});
afterEach(() => standin.stop());

const learn = (...args: string[]) =>
  envsyncIn(
    { env: testEnv({ GITLAB_TOKEN: standin.token, GITLAB_URL: standin.url }) },
    "learn",
    "-C",
    repo.dir,
    ...args,
  );

function mergeRequest(labels: string[] = ["envsync", "cherry-pick"]): number {
  const iid = standin.state.mergeRequests.length + 1;
  standin.state.mergeRequests.push({
    projectId,
    id: standin.state.id(),
    iid,
    source_branch: `envsync/cherry-pick/production/${iid}`,
    target_branch: "main",
    title: `Pick ${iid}`,
    description: "",
    labels,
    state: "opened",
    updated_at: "2026-11-01T10:00:00Z",
  });
  return iid;
}

function setState(iid: number, state: "merged" | "closed"): void {
  standin.state.mergeRequests.find((m) => m.iid === iid)!.state = state;
}

/** A tier-2 proposal as the flow posts it: a diff note with a suggestion, ending in its marker. */
function proposal(
  iid: number,
  marker: { id: string; category: string; confidence: string },
  options: { path?: string; lines?: string[]; author?: StandinUser; body?: string } = {},
): StandinDiffNote {
  const lines = options.lines ?? [`merged ${marker.id} one`, `merged ${marker.id} two`];
  const body =
    options.body ??
    [
      `**EnvSync conflict resolver**: a proposed merge (confidence ${marker.confidence})`,
      "",
      "```suggestion:-0+1",
      ...lines,
      "```",
      `<!-- envsync:proposal id=${marker.id} category=${marker.category} confidence=${marker.confidence} -->`,
    ].join("\n");
  return addDiffNote(standin, {
    projectId,
    iid,
    author: options.author ?? BOT,
    body,
    path: options.path ?? defaultPath(marker.category),
    line: 3,
    fileLines: ["a", "b", "<<<<<<< HEAD", "ours", "=======", "theirs", ">>>>>>> pick"],
    createdAt: "2026-11-01T09:00:00Z",
  });
}

function defaultPath(category: string): string {
  return category === "config" ? "config/app.yml" : category === "code" ? "src/app.ts" : "Makefile";
}

/** A reviewer applies the suggestion through GitLab's Suggestions API. */
async function apply(note: StandinDiffNote): Promise<void> {
  const response = await fetch(
    `${standin.url}/api/v4/suggestions/${note.suggestions[0]!.id}/apply`,
    {
      method: "PUT",
      headers: { "private-token": standin.token },
    },
  );
  expect(response.status).toBe(200);
}

function award(iid: number, note: StandinDiffNote, name: string, user: StandinUser): void {
  reviewsOf(standin).awards.push({
    projectId,
    iid,
    noteId: note.id,
    id: standin.state.id(),
    name,
    user,
  });
}

/** The merged MR's final diff of `path`: a hunk whose new side has `lines`. */
function finalDiff(iid: number, files: Record<string, string[]>): void {
  reviewsOf(standin).diffs.set(
    `${projectId}/${iid}`,
    Object.entries(files).map(([path, lines]) => ({
      old_path: path,
      new_path: path,
      diff: ["@@ -1,3 +1,4 @@", " a", " b", "-ours", ...lines.map((l) => `+${l}`), ""].join("\n"),
    })),
  );
}

/**
 * The recorded history (decided outcomes in brackets):
 * - code: !1 five at 0.9 applied by suggestion; !2 four at 0.9 copied into the merged diff, one at
 *   0.8 applied by suggestion, one at 0.8 thumbed down by a reviewer although its lines were
 *   merged; the flow's own thumbs-down on a 0.9 one does not count. [10 applied, 1 rejected]
 * - config: !3 closed at 0.85; !4 resolved without applying at 0.85; !5 merged without its lines
 *   at 0.85 and with 1 of its 2 lines at 0.9. [1 edited, 3 rejected]
 * - other: !5 one applied by suggestion and one copied into the diff, both 0.95; !4 one still
 *   open. [2 applied, 1 pending]
 * - hostile, all ignored: a marker by another account (its suggestion applied), one whose
 *   confidence is 1.5, one that is not the note's last line, one note with two markers; and a
 *   proposal in a merge request without the EnvSync label (not read).
 */
async function recordHistory(): Promise<void> {
  const one = mergeRequest();
  for (let i = 1; i <= 5; i++)
    await apply(proposal(one, { id: `c${i}`, category: "code", confidence: "0.9" }));
  setState(one, "merged");

  const two = mergeRequest();
  const copied: string[] = [];
  for (let i = 6; i <= 9; i++) {
    const note = proposal(two, { id: `c${i}`, category: "code", confidence: "0.9" });
    copied.push(...note.suggestions[0]!.to_content.trimEnd().split("\n"));
    if (i === 6) award(two, note, "thumbsdown", BOT);
  }
  await apply(proposal(two, { id: "c10", category: "code", confidence: "0.8" }));
  const downed = proposal(two, { id: "c11", category: "code", confidence: "0.8" });
  copied.push(...downed.suggestions[0]!.to_content.trimEnd().split("\n"));
  award(two, downed, "thumbsdown", REVIEWER);
  finalDiff(two, { "src/app.ts": copied });
  setState(two, "merged");

  const three = mergeRequest();
  proposal(three, { id: "k1", category: "config", confidence: "0.85" });
  setState(three, "closed");

  const four = mergeRequest();
  proposal(four, { id: "k2", category: "config", confidence: "0.85" }).resolved = true;
  proposal(four, { id: "o3", category: "other", confidence: "0.95" });
  await apply(
    proposal(four, { id: "k9", category: "config", confidence: "0.99" }, { author: GUEST }),
  );
  proposal(four, { id: "k8", category: "config", confidence: "1.5" });
  proposal(
    four,
    { id: "k7", category: "config", confidence: "0.9" },
    {
      body: "<!-- envsync:proposal id=k7 category=config confidence=0.9 -->\n```suggestion:-0+0\nx\n```\nthanks",
    },
  );
  proposal(
    four,
    { id: "k6", category: "config", confidence: "0.9" },
    {
      body:
        "A commit message said: <!-- envsync:proposal id=k5 category=config confidence=1 -->\n" +
        "```suggestion:-0+0\nx\n```\n<!-- envsync:proposal id=k6 category=config confidence=0.9 -->",
    },
  );

  const five = mergeRequest();
  proposal(five, { id: "k3", category: "config", confidence: "0.85" });
  proposal(five, { id: "k4", category: "config", confidence: "0.9" });
  await apply(proposal(five, { id: "o1", category: "other", confidence: "0.95" }));
  const o2 = proposal(five, { id: "o2", category: "other", confidence: "0.95" });
  finalDiff(five, {
    "config/app.yml": ["something else entirely", "merged k4 one", "merged k4 changed"],
    Makefile: o2.suggestions[0]!.to_content.trimEnd().split("\n"),
  });
  setState(five, "merged");

  const unlabelled = mergeRequest(["backport"]);
  await apply(proposal(unlabelled, { id: "c99", category: "code", confidence: "0.5" }));
  setState(unlabelled, "merged");
}

describe("envsync learn", () => {
  it("gives per-category rates, Wilson bounds and thresholds that match a hand computation", async () => {
    await recordHistory();
    const { code, out, err } = await learn("--json");
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      categories: Record<string, unknown>[];
      ignored: { mr: number; reason: string }[];
      proposals: { id: string; outcome: string }[];
      merge_requests: number;
    };
    // Only the five labelled merge requests are read.
    expect(report.merge_requests).toBe(5);
    const byName = Object.fromEntries(report.categories.map((c) => [c.category, c]));

    // Wilson lower bound with z = 1.96 (z² = 3.8416), p = k/n:
    //   (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    // code, all decided (k=10, n=11): p = 0.909091; z²/2n = 0.174618; p(1−p)/n = 0.007513;
    //   z²/4n² = 0.007937; √0.015450 = 0.124299; × 1.96 = 0.243626;
    //   (0.909091 + 0.174618 − 0.243626) / 1.349236 = 0.840083 / 1.349236 = 0.6226.
    // Candidate thresholds are the confidences on record, lowest first:
    //   0.8 → the same 10 of 11: 0.6226 < 0.7;
    //   0.9 → 9 of 9: p = 1, so the bound is n / (n + z²) = 9 / 12.8416 = 0.7008 ≥ 0.7 → 0.9.
    expect(byName.code).toMatchObject({
      configured: true,
      proposals: 11,
      applied: 10,
      edited: 0,
      rejected: 1,
      pending: 0,
      acceptance: 0.9091,
      lower_bound: 0.6226,
      threshold: 0.8,
      recommended: { threshold: 0.9, basis: "lower" },
    });
    // config: 0 of 4 accepted, so every lower bound is 0 and no level reaches 0.7. The upper
    //   bound at the current 0.85 (k=0, n=4): (0 + 0.4802 + 1.96·√(3.8416/64)) / (1 + 0.9604)
    //   = (0.4802 + 1.96 × 0.245) / 1.9604 = 0.9604 / 1.9604 = 0.4899 < 0.7 → raise to 1.
    expect(byName.config).toMatchObject({
      proposals: 4,
      applied: 0,
      edited: 1,
      rejected: 3,
      pending: 0,
      acceptance: 0,
      lower_bound: 0,
      threshold: 0.85,
      recommended: { threshold: 1, basis: "raise" },
    });
    // other: 2 of 2 at 0.95: lower = 2 / 5.8416 = 0.3424 < 0.7; upper at 0.8 is 1 ≥ 0.7, so
    //   there is not enough evidence either way and 0.8 stays.
    expect(byName.other).toMatchObject({
      proposals: 2,
      applied: 2,
      pending: 1,
      acceptance: 1,
      lower_bound: 0.3424,
      threshold: 0.8,
      recommended: { threshold: 0.8, basis: "keep" },
    });
    expect(Object.keys(byName)).toEqual(["config", "code", "other"]);

    // The hostile notes are ignored and said to be, the forged one for its author.
    expect(report.ignored.map((i) => i.reason).sort()).toEqual(
      [
        "a proposal marker in a note by another account than envsync-resolver-bot",
        "more than one proposal marker",
        "the marker is not of the expected shape",
        "the marker is not the last line",
      ].sort(),
    );
    expect(report.proposals.map((p) => p.id)).not.toContain("k9");
    expect(report.proposals.map((p) => p.id)).not.toContain("c99");
    const outcome = (id: string) => report.proposals.find((p) => p.id === id)?.outcome;
    expect([outcome("c6"), outcome("c11"), outcome("k2"), outcome("k4"), outcome("o3")]).toEqual([
      "applied",
      "rejected",
      "rejected",
      "edited",
      "pending",
    ]);
  });

  it("prints the record as a table", async () => {
    await recordHistory();
    const { code, out } = await learn();
    expect(code).toBe(0);
    expect(out).toMatch(/^code\s+11\s+10\s+0\s+1\s+0\s+0\.9091\s+0\.6226\s+0\.8\s+0\.9 /m);
    expect(out).toContain("ignored 4 notes:");
  });

  it("counts only proposals posted since --since", async () => {
    await recordHistory();
    const late = reviewsOf(standin)
      .discussions.flatMap((d) => d.notes)
      .find((n) => n.body.includes("id=c1 "))!;
    late.created_at = "2026-11-20T00:00:00Z";
    // A new note updates its merge request, as GitLab records it.
    standin.state.mergeRequests[0]!.updated_at = "2026-11-20T00:00:00Z";
    const { out } = await learn("--json", "--since", "2026-11-15");
    const report = JSON.parse(out) as { proposals: { id: string }[] };
    expect(report.proposals.map((p) => p.id)).toEqual(["c1"]);
  });

  it("reads every page of a long discussion list", async () => {
    // 130 discussions: two pages of 100 even at the largest page GitLab gives.
    const iid = mergeRequest();
    for (let i = 1; i <= 130; i++)
      proposal(iid, { id: `p${i}`, category: "code", confidence: "0.9" }).suggestions[0]!.applied =
        true;
    setState(iid, "merged");
    const { out } = await learn("--json");
    const report = JSON.parse(out) as { categories: { category: string; applied: number }[] };
    expect(report.categories.find((c) => c.category === "code")!.applied).toBe(130);
    expect(
      standin.requests({ path: `/api/v4/projects/acme%2Fshop/merge_requests/${iid}/discussions` }),
    ).toHaveLength(2);
  });

  it("says whose proposals it needs when envsync.yaml names no account and no flow is published", async () => {
    repo.write({ "envsync.yaml": CONFIG.replace(/ {2}learning:\n.*\n/, "") });
    const { code, out } = await learn("--json");
    expect(code).toBe(2);
    const { error } = JSON.parse(out) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe("learn-author-unknown");
    expect(error.message).toContain(
      "the envsync-conflict-resolver flow is not enabled in acme/shop",
    );
    expect(error.hint).toContain("conflicts.learning.author");
    expect(error.hint).toContain("--author");
  });

  it("takes the account from --author, and refuses what is not a username or a date", async () => {
    await recordHistory();
    repo.write({ "envsync.yaml": CONFIG.replace(/ {2}learning:\n.*\n/, "") });
    const given = await learn("--json", "--author", "@envsync-resolver-bot");
    expect(given.code).toBe(0);
    expect(JSON.parse(given.out)).toMatchObject({
      author: "envsync-resolver-bot",
      author_source: "option",
    });
    expect((JSON.parse(given.out) as { proposals: unknown[] }).proposals).toHaveLength(18);
    expect((await learn("--author", "<b>bot</b>")).code).toBe(2);
    expect((await learn("--since", "2026-02-31")).code).toBe(2);
    expect((await learn("--since", "last week")).code).toBe(2);
  });
});

/** envsync.yaml without conflicts.learning, the flows published in the group `acme`. */
const UNNAMED = CONFIG.replace(/ {2}learning:\n.*\n/, "") + "catalog:\n  group: acme\n";

/**
 * The conflict-resolver flow published as `envsync publish` leaves it: enabled in the group, whose
 * consumer has the service account GitLab created, and in the project, whose consumer has none.
 */
function publishResolver(serviceAccount: string | undefined): void {
  standin.state.enableFlow("envsync-conflict-resolver", {
    group: "acme",
    projectId,
    serviceAccount,
  });
}

const CONSUMERS = { operation: "EnvsyncConfiguredItems" };

describe("envsync learn: whose proposals", () => {
  it("reads the published flow's service account when envsync.yaml names none, with a read_api token", async () => {
    await recordHistory();
    publishResolver(BOT.username);
    repo.write({ "envsync.yaml": UNNAMED });
    standin.addToken({ value: "glpat-read-only-token", kind: "personal", scopes: ["read_api"] });
    const run = (...args: string[]) =>
      envsyncIn(
        { env: testEnv({ GITLAB_TOKEN: "glpat-read-only-token", GITLAB_URL: standin.url }) },
        ...["learn", "-C", repo.dir, ...args],
      );

    const { code, out, err } = await run("--json");
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      author: string;
      author_source: string;
      proposals: unknown[];
      categories: { category: string; applied: number; proposals: number }[];
    };
    expect(report).toMatchObject({ author: "envsync-resolver-bot", author_source: "flow" });
    // The same record as with the account named: the guest's forged marker is still not counted.
    expect(report.proposals).toHaveLength(18);
    expect(report.categories.find((c) => c.category === "code")).toMatchObject({
      proposals: 11,
      applied: 10,
    });

    const text = await run();
    expect(text.code).toBe(0);
    expect(text.out.split("\n")[0]).toBe(
      "18 proposals by envsync-resolver-bot (the envsync-conflict-resolver flow's service " +
        "account) in 5 merge requests labelled envsync (target acceptance 0.7)",
    );
  });

  it("takes conflicts.learning.author over the flow's account, without asking the catalog", async () => {
    await recordHistory();
    publishResolver("ai-envsync-conflict-resolver-acme");
    repo.write({ "envsync.yaml": CONFIG + "catalog:\n  group: acme\n" });
    const { code, out } = await learn("--json");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      author: "envsync-resolver-bot",
      author_source: "config",
    });
    expect((JSON.parse(out) as { proposals: unknown[] }).proposals).toHaveLength(18);
    expect(standin.requests(CONSUMERS)).toHaveLength(0);
    expect((await learn()).out).toContain(
      "by envsync-resolver-bot (from conflicts.learning.author) in",
    );
  });

  it("says so where the flow names no service account (no catalog.group to read it from)", async () => {
    publishResolver(BOT.username);
    repo.write({ "envsync.yaml": CONFIG.replace(/ {2}learning:\n.*\n/, "") });
    const { code, out } = await learn("--json");
    expect(code).toBe(2);
    const { error } = JSON.parse(out) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe("learn-author-unknown");
    expect(error.message).toContain(
      "the envsync-conflict-resolver flow in acme/shop names no service account (set catalog.group",
    );
    expect(error.hint).toMatch(/conflicts\.learning\.author.*--author USERNAME/);
  });

  it("says so where GitLab has no AI Catalog; --author still works there", async () => {
    await recordHistory();
    repo.write({ "envsync.yaml": UNNAMED });
    // GitLab before 18.5 fails the query's validation: the field does not exist (HTTP 200).
    const missing = {
      errors: [
        {
          message: "Field 'aiCatalogConfiguredItems' doesn't exist on type 'Query'",
          locations: [{ line: 2, column: 3 }],
          path: ["query EnvsyncConfiguredItems", "aiCatalogConfiguredItems"],
          extensions: {
            code: "undefinedField",
            typeName: "Query",
            fieldName: "aiCatalogConfiguredItems",
          },
        },
      ],
    };
    standin.fail({ ...CONSUMERS, respond: { status: 200, body: missing } });
    const { code, out } = await learn("--json");
    expect(code).toBe(2);
    const { error } = JSON.parse(out) as { error: { code: string; message: string } };
    expect(error.code).toBe("learn-author-unknown");
    expect(error.message).toContain("the AI Catalog cannot be read");
    expect(error.message).toContain("aiCatalogConfiguredItems");

    const asked = standin.requests(CONSUMERS).length;
    const given = await learn("--json", "--author", BOT.username);
    expect(given.code).toBe(0);
    expect(JSON.parse(given.out)).toMatchObject({ author_source: "option" });
    expect(standin.requests(CONSUMERS)).toHaveLength(asked);

    // A user GitLab does not let read the project's flows: the field is null, with GitLab's error.
    publishResolver(BOT.username);
    const denied = {
      data: null,
      errors: [
        {
          message:
            "The resource that you are attempting to access does not exist or you don't have " +
            "permission to perform this action",
          locations: [{ line: 2, column: 3 }],
          path: ["aiCatalogConfiguredItems"],
        },
      ],
    };
    standin.fail({ ...CONSUMERS, respond: { status: 200, body: denied } });
    const refused = await learn("--json");
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out)).toMatchObject({
      error: {
        code: "learn-author-unknown",
        message: expect.stringContaining("don't have permission") as unknown,
      },
    });
  });

  it("fails as GitLab's error, not as an unknown account, when GitLab refuses the token", async () => {
    publishResolver(BOT.username);
    repo.write({ "envsync.yaml": UNNAMED });
    standin.fail({ ...CONSUMERS, respond: { status: 401, body: { message: "401 Unauthorized" } } });
    const { code, out } = await learn("--json");
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ error: { code: "gitlab-unauthorized" } });
  });
});

describe("envsync learn --write", () => {
  const CALIBRATED = CONFIG.replace("      threshold: 0.85\n", "      threshold: 1\n").replace(
    '    - { name: code, paths: ["src/**"] }',
    '    - { name: code, paths: ["src/**"], threshold: 0.9 }',
  );

  it("shows the change under --dry-run, writes nothing and exits 3", async () => {
    await recordHistory();
    const before = standin.state.mergeRequests.length;
    const { code, out } = await learn("--dry-run");
    expect(code).toBe(3);
    expect(out).toContain("\n-      threshold: 0.85\n");
    expect(out).toContain("\n+      threshold: 1\n");
    expect(out).toContain('+    - { name: code, paths: ["src/**"], threshold: 0.9 }');
    expect(standin.state.mergeRequests).toHaveLength(before);
    expect(repo.git("branch", "--list", "envsync/learn/*")).toBe("");
  });

  it("opens one merge request that changes only the thresholds, comments kept; twice is once", async () => {
    await recordHistory();
    const first = await learn("--write", "--json");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).write).toMatchObject({ action: "created", file: "envsync.yaml" });
    expect(repo.git("show", "envsync/learn/thresholds:envsync.yaml") + "\n").toBe(CALIBRATED);
    const mr = standin.state.mergeRequests.at(-1)!;
    expect(mr).toMatchObject({ source_branch: "envsync/learn/thresholds", target_branch: "main" });
    expect(mr.labels).toEqual(["envsync"]);

    const second = await learn("--write", "--json");
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out).write).toMatchObject({
      action: "unchanged",
      merge_request: mr.iid,
    });
    expect(
      standin.state.mergeRequests.filter((m) => m.source_branch === mr.source_branch),
    ).toHaveLength(1);
  });

  it("writes nothing when envsync.yaml already has the recommended thresholds", async () => {
    await recordHistory();
    repo.commit("calibrated", { "envsync.yaml": CALIBRATED });
    const { code, out } = await learn("--write");
    expect(code).toBe(0);
    expect(out).toContain("nothing to write");
    expect(
      standin.state.mergeRequests.some((m) => m.source_branch.startsWith("envsync/learn")),
    ).toBe(false);
  });
});
