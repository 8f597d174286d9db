/**
 * GitLab's answers are data from another system: each one EnvSync reads outside gitbeaker's typed
 * resources is checked against the shape it relies on, so a surprise becomes a clear error naming
 * the request instead of a crash further on.
 */
import type * as z from "zod";
import { GitLabError } from "./errors.js";

export function parseAnswer<T>(schema: z.ZodType<T>, body: unknown, request: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const space = request.indexOf(" ");
  const [method, path] =
    space < 0 ? ["GET", request] : [request.slice(0, space), request.slice(space + 1)];
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new GitLabError(`unexpected answer${where}: ${issue?.message ?? "wrong shape"}`, {
    status: 200,
    method,
    path,
    hint: "this GitLab answers in a shape EnvSync does not know; check its version",
  });
}
