/**
 * The REST reads and writes of `envsync learn`, in the shape of gitlab/rest-operations.ts: each
 * answer checked against the fields EnvSync reads (GitLab's REST documentation: Merge requests,
 * Discussions, Emoji reactions, Projects). Every list is read to its last page.
 */
import * as z from "zod";
import { op } from "../gitlab/rest-operations.js";

type Project = { project: string };

const USER = z.object({ id: z.number(), username: z.string() });

/** Merge requests with the label in every state (GitLab's default without `state`), newest first. */
export const LABELLED_MERGE_REQUESTS = op<Project & { label: string; updatedAfter?: string }>()(
  "GET /projects/:id/merge_requests",
  z.array(
    z.object({
      iid: z.number(),
      state: z.enum(["opened", "closed", "locked", "merged"]),
      web_url: z.string(),
      labels: z.array(z.string()),
    }),
  ),
  (rest, { project, label, updatedAfter }) =>
    rest.MergeRequests.all({
      projectId: project,
      labels: label,
      orderBy: "updated_at",
      sort: "desc",
      perPage: 100,
      ...(updatedAfter ? { updatedAfter } : {}),
    }),
);

const SUGGESTION = z.object({
  id: z.number(),
  appliable: z.boolean(),
  applied: z.boolean(),
  from_content: z.string(),
  to_content: z.string(),
});

const DISCUSSION_NOTE = z.object({
  id: z.number(),
  type: z.string().nullish(),
  body: z.string(),
  author: USER,
  created_at: z.string(),
  system: z.boolean(),
  resolvable: z.boolean().nullish(),
  resolved: z.boolean().nullish(),
  position: z.object({ new_path: z.string().nullish() }).nullish(),
  /** GitLab lists a note's suggestions (`suggestion` code blocks) with whether each was applied. */
  suggestions: z.array(SUGGESTION).nullish(),
});

export const DISCUSSIONS = op<Project & { iid: number }>()(
  "GET /projects/:id/merge_requests/:iid/discussions",
  z.array(z.object({ id: z.string(), notes: z.array(DISCUSSION_NOTE) })),
  (rest, { project, iid }) => rest.MergeRequestDiscussions.all(project, iid, { perPage: 100 }),
);

export const NOTE_AWARDS = op<Project & { iid: number; noteId: number }>()(
  "GET /projects/:id/merge_requests/:iid/notes/:note_id/award_emoji",
  z.array(z.object({ id: z.number(), name: z.string(), user: USER })),
  (rest, { project, iid, noteId }) =>
    rest.MergeRequestNoteAwardEmojis.all(project, iid, noteId, { perPage: 100 }),
);

export const MERGE_REQUEST_DIFFS = op<Project & { iid: number }>()(
  "GET /projects/:id/merge_requests/:iid/diffs",
  z.array(z.object({ new_path: z.string(), diff: z.string() })),
  (rest, { project, iid }) => rest.MergeRequests.allDiffs(project, iid, { perPage: 100 }),
);

export const PROJECT_DEFAULT_BRANCH = op<Project>()(
  "GET /projects/:id",
  z.object({ id: z.number(), default_branch: z.string().nullish() }),
  (rest, { project }) => rest.Projects.show(project),
);
