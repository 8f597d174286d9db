/**
 * Where GitLab is and how to authenticate. The token: GITLAB_TOKEN (a personal, project or group
 * access token, or the OAuth token a Duo flow's job gets, also as GITLAB_OAUTH_TOKEN), sent as
 * `Authorization: Bearer`, which GitLab takes for all of them; or CI_JOB_TOKEN, sent as
 * `JOB-TOKEN`, where an endpoint accepts it. The instance: GITLAB_URL, GITLAB_BASE_URL (a flow's
 * job), CI_SERVER_URL (a CI job), else the origin remote's host, else https://gitlab.com.
 */
import { EnvsyncError } from "../errors.js";

export interface GitLabConnection {
  /** e.g. https://gitlab.example.com (no trailing slash, no /api/v4). */
  baseUrl: string;
  token: string;
  tokenKind: "access_token" | "job_token";
}

/** Whether any token GitLab accepts is set, so a command can choose to ask GitLab at all. */
export function hasGitLabToken(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.GITLAB_TOKEN || env.GITLAB_OAUTH_TOKEN || env.CI_JOB_TOKEN);
}

/** The instance's address, e.g. https://gitlab.example.com: from the environment, else `origin`. */
export function instanceUrl(
  env: Readonly<Record<string, string | undefined>>,
  origin?: { baseUrl: string },
): string {
  const given = env.GITLAB_URL || env.GITLAB_BASE_URL || env.CI_SERVER_URL || origin?.baseUrl;
  return withoutCredentials(given || "https://gitlab.com")
    .replace(/\/+$/, "")
    .replace(/\/api\/v4$/, "");
}

export function connectionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { allowJobToken: boolean; scope: string; origin?: { baseUrl: string } | undefined },
): GitLabConnection {
  const baseUrl = instanceUrl(env, options.origin);
  const token = env.GITLAB_TOKEN || env.GITLAB_OAUTH_TOKEN;
  if (token) return { baseUrl, token, tokenKind: "access_token" };
  if (options.allowJobToken && env.CI_JOB_TOKEN)
    return { baseUrl, token: env.CI_JOB_TOKEN, tokenKind: "job_token" };
  throw new EnvsyncError("gitlab-no-token", "no GitLab token: set GITLAB_TOKEN", {
    hint:
      `create a personal, project or group access token with the '${options.scope}' scope ` +
      `and export it as GITLAB_TOKEN${options.allowJobToken ? "" : " (CI_JOB_TOKEN cannot do this)"}`,
  });
}

export function authHeaders(connection: GitLabConnection): Record<string, string> {
  return connection.tokenKind === "job_token"
    ? { "JOB-TOKEN": connection.token }
    : { authorization: `Bearer ${connection.token}` };
}

/** Removes the token from any text that might reach output (error bodies can echo requests). */
export function redact(text: string, token: string): string {
  return token.length >= 4 ? text.split(token).join("[REDACTED]") : text;
}

/** User and password in the URL never travel: the token authenticates, nothing else. */
function withoutCredentials(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvsyncError("gitlab-url-invalid", "the GitLab URL is not a URL", {
      hint: "set GITLAB_URL to the instance's address, e.g. https://gitlab.example.com",
    });
  }
  url.username = "";
  url.password = "";
  return url.toString();
}
