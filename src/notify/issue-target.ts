/**
 * Where EnvSync reports in a project: a merge request or an issue, by iid. Notes there carry hidden
 * markers so a retried job can tell it has already reported.
 */
import type { GitLabHttp } from "../gitlab/http.js";

export type Target = { kind: "merge_requests" | "issues"; iid: number };

interface Note {
  id: number;
  body: string;
}

export function notesApi(http: GitLabHttp, project: string) {
  const base = `/api/v4/projects/${encodeURIComponent(project)}`;
  return {
    async notes(target: Target): Promise<Note[]> {
      const r = await http.send({
        method: "GET",
        path: `${base}/${target.kind}/${target.iid}/notes?sort=desc&order_by=created_at&per_page=100`,
      });
      return JSON.parse(r.text) as Note[];
    },
    async addNote(target: Target, body: string): Promise<Note> {
      const r = await http.send({
        method: "POST",
        path: `${base}/${target.kind}/${target.iid}/notes`,
        body: JSON.stringify({ body }),
      });
      return JSON.parse(r.text) as Note;
    },
    /** The open issue with exactly this title, created when absent. */
    async issueTitled(
      title: string,
      description: string,
      create: boolean,
    ): Promise<{ iid: number; description: string; created: boolean } | undefined> {
      const r = await http.send({
        method: "GET",
        path: `${base}/issues?state=opened&search=${encodeURIComponent(title)}&in=title&per_page=100`,
      });
      const found = (
        JSON.parse(r.text) as { iid: number; title: string; description: string | null }[]
      ).find((i) => i.title === title);
      if (found) return { iid: found.iid, description: found.description ?? "", created: false };
      if (!create) return undefined;
      const made = await http.send({
        method: "POST",
        path: `${base}/issues`,
        body: JSON.stringify({ title, description }),
      });
      const issue = JSON.parse(made.text) as { iid: number; description: string | null };
      return { iid: issue.iid, description: issue.description ?? "", created: true };
    },
    async setDescription(iid: number, description: string): Promise<void> {
      await http.send({
        method: "PUT",
        path: `${base}/issues/${iid}`,
        body: JSON.stringify({ description }),
      });
    },
  };
}

export function marker(kind: string, id: string | number): string {
  return `<!-- envsync:${kind}:${id} -->`;
}
