/**
 * Where EnvSync reports in a project: a merge request or an issue, by iid. Notes there carry hidden
 * markers so a retried job can tell it has already reported. Every list is read to its last page:
 * a marker in an old note still counts, but only in a note EnvSync wrote (its token's user): anyone
 * can paste a marker into a comment or a job log. The dashboard issue is likewise EnvSync's own:
 * opened by the token's user and carrying the dashboard marker, not merely titled alike.
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

/** The label EnvSync puts on the dashboard issue it opens. */
export const DASHBOARD_LABEL = "envsync-dashboard";
/** Every dashboard description carries it (the state line of `dashboard` starts with it too). */
const DASHBOARD_MARKER = "<!-- envsync:dashboard";

/** `me`: the id of the token's user, EnvSync in this project. */
export function notesApi(rest: GitLabRest, project: string, me: number) {
  return {
    /** EnvSync's own notes on the target, newest first; anyone else's are not read. */
    async ownNotes(target: Target): Promise<{ id: number; body: string }[]> {
      const all = await rest.run(NOTES, { project, ...target });
      return all.filter((n) => n.author.id === me);
    },
    addNote: (target: Target, body: string) => rest.run(CREATE_NOTE, { project, ...target, body }),
    /**
     * EnvSync's open dashboard issue of this title (its author is the token's user and its
     * description has the dashboard marker), created when absent.
     */
    async dashboardIssue(
      title: string,
      description: string,
      create: boolean,
    ): Promise<{ iid: number; description: string; created: boolean } | undefined> {
      const open = await rest.run(OPEN_ISSUES_TITLED, { project, title, authorId: me });
      const found = open.find(
        (i) =>
          i.title === title &&
          i.author.id === me &&
          (i.description ?? "").includes(DASHBOARD_MARKER),
      );
      if (found) return { iid: found.iid, description: found.description ?? "", created: false };
      if (!create) return undefined;
      const body = description.includes(DASHBOARD_MARKER)
        ? description
        : `${description}\n\n${DASHBOARD_MARKER} -->`;
      const issue = await rest.run(CREATE_ISSUE, {
        project,
        title,
        description: body,
        labels: [DASHBOARD_LABEL],
      });
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
