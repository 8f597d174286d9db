/**
 * Where EnvSync reports in a project: a merge request or an issue, by iid. Notes there carry hidden
 * markers so a retried job can tell it has already reported. Every list is read to its last page:
 * a marker in an old note still counts.
 */
import type { GitLabRest } from "../gitlab/rest.js";
import {
  CREATE_ISSUE,
  CREATE_NOTE,
  EDIT_ISSUE,
  NOTES,
  OPEN_ISSUES_TITLED,
} from "../gitlab/rest-operations.js";

export type Target = { kind: "merge_requests" | "issues"; iid: number };

export function notesApi(rest: GitLabRest, project: string) {
  return {
    notes: (target: Target) => rest.run(NOTES, { project, ...target }),
    addNote: (target: Target, body: string) => rest.run(CREATE_NOTE, { project, ...target, body }),
    /** The open issue with exactly this title, created when absent. */
    async issueTitled(
      title: string,
      description: string,
      create: boolean,
    ): Promise<{ iid: number; description: string; created: boolean } | undefined> {
      const open = await rest.run(OPEN_ISSUES_TITLED, { project, title });
      const found = open.find((i) => i.title === title);
      if (found) return { iid: found.iid, description: found.description ?? "", created: false };
      if (!create) return undefined;
      const issue = await rest.run(CREATE_ISSUE, { project, title, description });
      return { iid: issue.iid, description: issue.description ?? "", created: true };
    },
    async setDescription(iid: number, description: string): Promise<void> {
      await rest.run(EDIT_ISSUE, { project, iid, description });
    },
  };
}

export function marker(kind: string, id: string | number): string {
  return `<!-- envsync:${kind}:${id} -->`;
}
