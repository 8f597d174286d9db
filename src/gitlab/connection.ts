/**
 * Where GitLab is and how to authenticate, from the environment only: GITLAB_TOKEN (a personal,
 * project or group access token) or CI_JOB_TOKEN where an endpoint accepts it; the host from
 * GITLAB_URL, else CI_SERVER_URL, else https://gitlab.com.
 */
import { EnvsyncError } from "../errors.js";

export interface GitLabConnection {
  /** e.g. https://gitlab.example.com (no trailing slash, no /api/v4). */
  baseUrl: string;
  token: string;
  tokenKind: "access_token" | "job_token";
}

export function connectionFromEnv(
  env: Record<string, string | undefined>,
  options: { allowJobToken: boolean; scope: string },
): GitLabConnection {
  const baseUrl = (env.GITLAB_URL || env.CI_SERVER_URL || "https://gitlab.com")
    .replace(/\/+$/, "")
    .replace(/\/api\/v4$/, "");
  if (env.GITLAB_TOKEN) return { baseUrl, token: env.GITLAB_TOKEN, tokenKind: "access_token" };
  if (options.allowJobToken && env.CI_JOB_TOKEN)
    return { baseUrl, token: env.CI_JOB_TOKEN, tokenKind: "job_token" };
  throw new EnvsyncError("gitlab-no-token", "no GitLab token: set GITLAB_TOKEN", {
    hint: `create a personal, project or group access token with the '${options.scope}' scope and export it as GITLAB_TOKEN${options.allowJobToken ? "" : " (CI_JOB_TOKEN cannot do this)"}`,
  });
}

export function authHeaders(connection: GitLabConnection): Record<string, string> {
  return connection.tokenKind === "job_token"
    ? { "JOB-TOKEN": connection.token }
    : { "PRIVATE-TOKEN": connection.token };
}

/** Removes the token from any text that might reach output (error bodies can echo requests). */
export function redact(text: string, token: string): string {
  return token.length >= 4 ? text.split(token).join("[REDACTED]") : text;
}
