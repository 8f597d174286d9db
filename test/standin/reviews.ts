/**
 * Merge request review endpoints of the stand-in, with GitLab's shapes (Discussions, Emoji
 * reactions, Suggestions and Merge requests REST documentation): discussions whose diff notes carry
 * the `suggestions` GitLab parses from their ```suggestion blocks (with `applied` and
 * `appliable`), award emoji on notes, applying a suggestion, and a merge request's final diffs.
 * Registered from server.ts; tests seed it through `reviewsOf(standin)`.
 */
import { createHash } from "node:crypto";
import type { GitLabStandin, RestRequest } from "./server.js";
import type { StandinUser } from "./state.js";

export interface StandinSuggestion {
  id: number;
  from_line: number;
  to_line: number;
  appliable: boolean;
  applied: boolean;
  from_content: string;
  to_content: string;
}

export interface StandinDiffNote {
  id: number;
  body: string;
  author: StandinUser;
  created_at: string;
  /** The file and new-side line the note is on. */
  path: string;
  line: number;
  resolved: boolean;
  suggestions: StandinSuggestion[];
}

export interface StandinDiscussion {
  projectId: number;
  iid: number;
  id: string;
  notes: StandinDiffNote[];
}

export interface StandinAward {
  projectId: number;
  iid: number;
  noteId: number;
  id: number;
  name: string;
  user: StandinUser;
}

export interface ReviewState {
  discussions: StandinDiscussion[];
  awards: StandinAward[];
  /** A merge request's final diff, file by file, keyed `projectId/iid`. */
  diffs: Map<string, { old_path: string; new_path: string; diff: string }[]>;
}

const states = new WeakMap<GitLabStandin, ReviewState>();

export function reviewsOf(standin: GitLabStandin): ReviewState {
  let state = states.get(standin);
  if (!state) {
    state = { discussions: [], awards: [], diffs: new Map() };
    states.set(standin, state);
  }
  return state;
}

/**
 * GitLab's suggestion blocks: ```suggestion or ```suggestion:-A+B (lines above and below the
 * note's line that the suggestion replaces). `fileLines` is the file's new side, for from_content.
 */
export function parseSuggestions(
  body: string,
  line: number,
  fileLines: readonly string[],
  nextId: () => number,
): StandinSuggestion[] {
  const out: StandinSuggestion[] = [];
  const block = /^```suggestion(?::-(\d+)\+(\d+))?[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const match of body.matchAll(block)) {
    const from = line - Number(match[1] ?? 0);
    const to = line + Number(match[2] ?? 0);
    out.push({
      id: nextId(),
      from_line: from,
      to_line: to,
      appliable: true,
      applied: false,
      from_content: fileLines.slice(from - 1, to).join("\n") + "\n",
      to_content: match[3]!,
    });
  }
  return out;
}

/** A diff note as a flow posts one (POST …/discussions with a position), seeded directly. */
export function addDiffNote(
  standin: GitLabStandin,
  note: {
    projectId: number;
    iid: number;
    author: StandinUser;
    body: string;
    path: string;
    line: number;
    fileLines?: readonly string[];
    createdAt?: string;
  },
): StandinDiffNote {
  const id = standin.state.id();
  const diffNote: StandinDiffNote = {
    id,
    body: note.body,
    author: note.author,
    created_at: note.createdAt ?? new Date().toISOString(),
    path: note.path,
    line: note.line,
    resolved: false,
    suggestions: parseSuggestions(note.body, note.line, note.fileLines ?? [], () =>
      standin.state.id(),
    ),
  };
  reviewsOf(standin).discussions.push({
    projectId: note.projectId,
    iid: note.iid,
    id: createHash("sha1").update(String(id)).digest("hex"),
    notes: [diffNote],
  });
  return diffNote;
}

export function attachReviewRoutes(standin: GitLabStandin): void {
  const state = () => reviewsOf(standin);
  const mergeRequestOf = (req: RestRequest) => {
    const project = standin.state.project(decodeURIComponent(req.params[0]!));
    const mr =
      project &&
      standin.state.mergeRequests.find(
        (m) => m.projectId === project.id && m.iid === Number(req.params[1]),
      );
    return project && mr ? { project, mr } : undefined;
  };
  const notFound = { status: 404, body: { message: "404 Not found" } };
  const user = (u: StandinUser) => ({
    id: u.id,
    username: u.username,
    name: u.username,
    state: "active",
    avatar_url: null,
    web_url: `${standin.url}/${u.username}`,
  });
  const noteJson = (d: StandinDiscussion, n: StandinDiffNote) => ({
    id: n.id,
    type: "DiffNote",
    body: n.body,
    attachment: null,
    author: user(n.author),
    created_at: n.created_at,
    updated_at: n.created_at,
    system: false,
    noteable_id: d.iid,
    noteable_type: "MergeRequest",
    noteable_iid: d.iid,
    commit_id: null,
    position: {
      base_sha: "0".repeat(40),
      start_sha: "0".repeat(40),
      head_sha: "0".repeat(40),
      old_path: n.path,
      new_path: n.path,
      position_type: "text",
      old_line: null,
      new_line: n.line,
    },
    resolvable: true,
    resolved: n.resolved,
    resolved_by: null,
    resolved_at: null,
    suggestions: n.suggestions,
    confidential: false,
    internal: false,
  });

  standin.route(
    "GET",
    /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/discussions$/,
    (req) => {
      const found = mergeRequestOf(req);
      if (!found) return notFound;
      return {
        status: 200,
        body: state()
          .discussions.filter((d) => d.projectId === found.project.id && d.iid === found.mr.iid)
          .map((d) => ({
            id: d.id,
            individual_note: false,
            notes: d.notes.map((n) => noteJson(d, n)),
          })),
      };
    },
  );

  standin.route(
    "GET",
    /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes\/(\d+)\/award_emoji$/,
    (req) => {
      const found = mergeRequestOf(req);
      const noteId = Number(req.params[2]);
      const exists = state().discussions.some(
        (d) =>
          found &&
          d.projectId === found.project.id &&
          d.iid === found.mr.iid &&
          d.notes.some((n) => n.id === noteId),
      );
      if (!found || !exists) return { status: 404, body: { message: "404 Note Not Found" } };
      return {
        status: 200,
        body: state()
          .awards.filter(
            (a) =>
              a.projectId === found.project.id && a.iid === found.mr.iid && a.noteId === noteId,
          )
          .map((a) => ({
            id: a.id,
            name: a.name,
            user: user(a.user),
            created_at: new Date(0).toISOString(),
            updated_at: new Date(0).toISOString(),
            awardable_id: noteId,
            awardable_type: "Note",
          })),
      };
    },
  );

  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/diffs$/, (req) => {
    const found = mergeRequestOf(req);
    if (!found) return notFound;
    const files = state().diffs.get(`${found.project.id}/${found.mr.iid}`) ?? [];
    return {
      status: 200,
      body: files.map((f) => ({
        ...f,
        a_mode: "100644",
        b_mode: "100644",
        new_file: false,
        renamed_file: false,
        deleted_file: false,
        generated_file: false,
      })),
    };
  });

  // Applying a suggestion commits it to the source branch; only an open MR's can be.
  standin.route("PUT", /^\/api\/v4\/suggestions\/(\d+)\/apply$/, (req) => {
    const id = Number(req.params[0]);
    for (const d of state().discussions)
      for (const n of d.notes) {
        const suggestion = n.suggestions.find((s) => s.id === id);
        if (!suggestion) continue;
        const mr = standin.state.mergeRequests.find(
          (m) => m.projectId === d.projectId && m.iid === d.iid,
        );
        if (!suggestion.appliable || mr?.state !== "opened")
          return { status: 400, body: { message: "A suggestion is not applicable." } };
        suggestion.applied = true;
        suggestion.appliable = false;
        n.resolved = true;
        return { status: 200, body: suggestion };
      }
    return { status: 404, body: { message: "404 Suggestion Not Found" } };
  });
}
