/**
 * Where GitLab is when nothing says so: the `origin` remote of the repository, as glab reads it.
 * `git@gitlab.example.com:acme/shop.git`, `ssh://git@host:2222/acme/shop.git` and
 * `https://gitlab.example.com/acme/shop.git` all name the instance and the project.
 */
import type { ResolvedConfig } from "../config/types.js";
import type { Env } from "../context.js";
import { gitIn, tryGit } from "../git/git.js";
import { instanceNamed } from "./connection.js";

export interface GitLabOrigin {
  /** e.g. https://gitlab.example.com */
  baseUrl: string;
  /** e.g. acme/shop */
  project: string;
}

export function parseRemoteUrl(url: string): GitLabOrigin | undefined {
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return origin(`https://${scp[1]}`, scp[2]!);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const path = decodeURIComponent(parsed.pathname)
    .replace(/^\/+/, "")
    .replace(/\.git\/?$/, "")
    .replace(/\/+$/, "");
  // Credentials in the URL never travel further; ssh and git remotes are served over https.
  const scheme = parsed.protocol === "http:" ? "http:" : "https:";
  const port = parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.port : "";
  return origin(`${scheme}//${parsed.hostname}${port ? `:${port}` : ""}`, path);
}

function origin(baseUrl: string, project: string): GitLabOrigin | undefined {
  return /^[\w.-]+(\/[\w.-]+)+$/.test(project) ? { baseUrl, project } : undefined;
}

/**
 * The origin remote of `dir`, read only when the environment and envsync.yaml leave the instance
 * or the project open (a git process is not free).
 */
export async function originWhenNeeded(
  config: Pick<ResolvedConfig, "project">,
  env: Env,
  dir: string,
): Promise<GitLabOrigin | undefined> {
  const hasProject = Boolean(config.project || env.CI_PROJECT_PATH || env.GITLAB_PROJECT_PATH);
  if (instanceNamed(env) && hasProject) return undefined;
  const answer = await tryGit(gitIn(dir, env), ["remote", "get-url", "origin"]);
  return answer.exitCode === 0 ? parseRemoteUrl(answer.stdout.trim()) : undefined;
}
