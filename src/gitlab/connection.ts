/**
 * Where GitLab is and how to authenticate. The token: GITLAB_TOKEN (a personal, project or group
 * access token, or the OAuth token a Duo flow's job gets, also as GITLAB_OAUTH_TOKEN), sent as
 * `Authorization: Bearer`, which GitLab takes for all of them; or CI_JOB_TOKEN, sent as
 * `JOB-TOKEN`, where an endpoint accepts it. The instance: GITLAB_URL, GITLAB_BASE_URL (a flow's
 * job), CI_SERVER_URL (a CI job), else the origin remote's host, else https://gitlab.com.
 *
 * A token goes only to an instance named on purpose: one of those variables, or gitlab.com. The
 * origin remote of a cloned repository names whatever host its author chose, over http if they
 * like; a token is never sent to a host named only there (`gitlab-instance-unnamed`), which is
 * still used for the project's path and for links.
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

/** The instance a token may always go to without being named. */
const GITLAB_COM = "https://gitlab.com";

export function connectionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { allowJobToken: boolean; scope: string; origin?: { baseUrl: string } | undefined },
): GitLabConnection {
  const baseUrl = instanceUrl(env, options.origin);
  const token = env.GITLAB_TOKEN || env.GITLAB_OAUTH_TOKEN;
  const jobToken = options.allowJobToken ? env.CI_JOB_TOKEN : undefined;
  if ((token || jobToken) && !instanceNamed(env) && baseUrl !== GITLAB_COM)
    throw new EnvsyncError(
      "gitlab-instance-unnamed",
      `the origin remote names ${baseUrl} as GitLab, and no variable does: no token was sent there`,
      {
        hint:
          `a token goes only to an instance named on purpose: if ${baseUrl} is your GitLab, ` +
          `export GITLAB_URL=${baseUrl.replace(/^http:/, "https:")}`,
      },
    );
  if (token) return { baseUrl, token, tokenKind: "access_token" };
  if (jobToken) return { baseUrl, token: jobToken, tokenKind: "job_token" };
  throw new EnvsyncError("gitlab-no-token", "no GitLab token: set GITLAB_TOKEN", {
    hint:
      `create a personal, project or group access token with the '${options.scope}' scope ` +
      `and export it as GITLAB_TOKEN${options.allowJobToken ? "" : " (CI_JOB_TOKEN cannot do this)"}`,
  });
}

/** Whether the environment names the instance (not the origin remote, not the default). */
export function instanceNamed(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.GITLAB_URL || env.GITLAB_BASE_URL || env.CI_SERVER_URL);
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
