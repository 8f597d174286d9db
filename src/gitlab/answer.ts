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
    unreadable: true,
  });
}

/**
 * An answer's text as JSON; anything else (an HTML error page from a proxy, labelled JSON or not)
 * is a GitLabError naming the request, never a crash further on.
 */
export function parseJson(
  text: string,
  request: { status: number; method: string; path: string },
): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = text.trimStart().slice(0, 1);
    throw new GitLabError(
      `the answer is not JSON${start === "<" ? " (an HTML page: a proxy or sign-in page?)" : ""}`,
      {
        ...request,
        hint: "check GITLAB_URL: it should be the instance's own address, with nothing in between",
        unreadable: true,
      },
    );
  }
}
