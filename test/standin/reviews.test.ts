import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addDiffNote, reviewsOf } from "./reviews.js";
import { GitLabStandin } from "./server.js";
import { GUEST } from "./state.js";

let standin: GitLabStandin;
let projectId: number;

beforeEach(async () => {
  standin = await new GitLabStandin().start();
  projectId = standin.state.addProject("acme/shop").id;
  standin.state.mergeRequests.push({
    projectId,
    id: standin.state.id(),
    iid: 1,
    source_branch: "pick",
    target_branch: "main",
    title: "Pick",
    description: "",
    labels: ["envsync"],
    state: "opened",
  });
});
afterEach(() => standin.stop());

const call = async (method: string, path: string) => {
  const response = await fetch(`${standin.url}/api/v4${path}`, {
    method,
    headers: { "private-token": standin.token },
  });
  return { status: response.status, body: await response.json() };
};

describe("stand-in review endpoints", () => {
  it("lists diff notes with the suggestions GitLab parses from their body", async () => {
    addDiffNote(standin, {
      projectId,
      iid: 1,
      author: GUEST,
      body: "Try this:\n```suggestion:-1+1\nb2\nc2\nd2\n```\nand no other",
      path: "src/a.ts",
      line: 3,
      fileLines: ["a", "b", "c", "d", "e"],
    });
    addDiffNote(standin, {
      projectId,
      iid: 1,
      author: GUEST,
      body: "no suggestion",
      path: "x",
      line: 1,
    });
    const { status, body } = await call(
      "GET",
      "/projects/acme%2Fshop/merge_requests/1/discussions",
    );
    expect(status).toBe(200);
    const [first, second] = body as { notes: Record<string, unknown>[] }[];
    expect(first!.notes[0]).toMatchObject({
      type: "DiffNote",
      author: { username: "mallory" },
      position: { new_path: "src/a.ts", new_line: 3 },
      resolved: false,
      suggestions: [
        {
          from_line: 2,
          to_line: 4,
          appliable: true,
          applied: false,
          from_content: "b\nc\nd\n",
          to_content: "b2\nc2\nd2\n",
        },
      ],
    });
    expect(second!.notes[0]!.suggestions).toEqual([]);
  });

  it("applies a suggestion once, on an open merge request only, and resolves its thread", async () => {
    const note = addDiffNote(standin, {
      projectId,
      iid: 1,
      author: GUEST,
      body: "```suggestion\nx\n```",
      path: "a",
      line: 1,
      fileLines: ["a"],
    });
    const id = note.suggestions[0]!.id;
    expect((await call("PUT", `/suggestions/${id}/apply`)).status).toBe(200);
    expect(note).toMatchObject({
      resolved: true,
      suggestions: [{ applied: true, appliable: false }],
    });
    expect((await call("PUT", `/suggestions/${id}/apply`)).status).toBe(400);
    const other = addDiffNote(standin, {
      projectId,
      iid: 1,
      author: GUEST,
      body: "```suggestion\ny\n```",
      path: "a",
      line: 1,
    });
    standin.state.mergeRequests[0]!.state = "merged";
    expect((await call("PUT", `/suggestions/${other.suggestions[0]!.id}/apply`)).status).toBe(400);
  });

  it("answers award emoji of a note, and 404 for a note that is not on the merge request", async () => {
    const note = addDiffNote(standin, {
      projectId,
      iid: 1,
      author: GUEST,
      body: "b",
      path: "a",
      line: 1,
    });
    reviewsOf(standin).awards.push({
      projectId,
      iid: 1,
      noteId: note.id,
      id: 9,
      name: "thumbsdown",
      user: GUEST,
    });
    const awards = await call(
      "GET",
      `/projects/acme%2Fshop/merge_requests/1/notes/${note.id}/award_emoji`,
    );
    expect(awards.body).toMatchObject([
      { name: "thumbsdown", user: { username: "mallory" }, awardable_type: "Note" },
    ]);
    expect(
      (await call("GET", `/projects/acme%2Fshop/merge_requests/1/notes/999999/award_emoji`)).status,
    ).toBe(404);
  });

  it("filters merge requests by every label asked for", async () => {
    standin.state.mergeRequests.push({
      ...standin.state.mergeRequests[0]!,
      id: standin.state.id(),
      iid: 2,
      labels: ["backport"],
    });
    const { body } = await call("GET", "/projects/acme%2Fshop/merge_requests?labels=envsync");
    expect((body as { iid: number }[]).map((m) => m.iid)).toEqual([1]);
  });
});
