/**
 * Where EnvSync reports in a project: a merge request or an issue, by iid. Notes there carry hidden
 * markers so a retried job can tell it has already reported. Every list is read to its last page:
 * a marker in an old note still counts.
 */
import type { GitLabHttp } from "../gitlab/http.js";
import { createRestClient } from "../gitlab/rest.js";

export type Target = { kind: "merge_requests" | "issues"; iid: number };

interface Note {
  id: number;
  body: string;
}

export function notesApi(http: GitLabHttp, project: string) {
  const rest = createRestClient(http);
  const newestFirst = { sort: "desc", orderBy: "created_at", perPage: 100 } as const;
  return {
    async notes(target: Target): Promise<Note[]> {
      return target.kind === "merge_requests"
        ? rest.MergeRequestNotes.all(project, target.iid, newestFirst)
        : rest.IssueNotes.all(project, target.iid, newestFirst);
    },
    async addNote(target: Target, body: string): Promise<Note> {
      return target.kind === "merge_requests"
        ? rest.MergeRequestNotes.create(project, target.iid, body)
        : rest.IssueNotes.create(project, target.iid, body);
    },
    /** The open issue with exactly this title, created when absent. */
    async issueTitled(
      title: string,
      description: string,
      create: boolean,
    ): Promise<{ iid: number; description: string; created: boolean } | undefined> {
      const open = await rest.Issues.all({
        projectId: project,
        state: "opened",
        search: title,
        in: "title",
        perPage: 100,
      });
      const found = open.find((i) => i.title === title);
      if (found) return { iid: found.iid, description: found.description ?? "", created: false };
      if (!create) return undefined;
      const issue = await rest.Issues.create(project, title, { description });
      return { iid: issue.iid, description: issue.description ?? "", created: true };
    },
    async setDescription(iid: number, description: string): Promise<void> {
      await rest.Issues.edit(project, iid, { description });
    },
  };
}

export function marker(kind: string, id: string | number): string {
  return `<!-- envsync:${kind}:${id} -->`;
}
