/**
 * The one way a command gets GitLab: from the context and the config, its connection (instance and
 * token, checked against what the command needs), the REST and GraphQL clients over one HTTP
 * policy, and the project. Commands declare what they need once, as a `GitLabNeeds`.
 */
import type { ResolvedConfig } from "../config/types.js";
import { requireProject } from "../config/resolve.js";
import type { CommandContext, Env } from "../context.js";
import { connectionFromEnv, instanceUrl } from "./connection.js";
import { GitLabGraphQL } from "./graphql.js";
import { GitLabHttp, type HttpOptions } from "./http.js";
import { originWhenNeeded } from "./origin.js";
import { GitLabRest } from "./rest.js";

export interface GitLabNeeds {
  /** The token scope the command's requests need, named in hints. */
  scope: "api" | "read_api";
  /** Whether CI_JOB_TOKEN will do (reads it accepts). */
  jobToken: boolean;
  /** Who needs the project, for the error when none is known; absent when none is needed. */
  project?: string;
}

export interface GitLab {
  http: GitLabHttp;
  rest: GitLabRest;
  graphql: GitLabGraphQL;
  /** e.g. https://gitlab.example.com */
  baseUrl: string;
}

/** What `openGitLab` gives for `needs`: the project is certain when the command needs one. */
export type GitLabFor<N extends GitLabNeeds> = GitLab & {
  project: N extends { project: string } ? string : string | undefined;
};

export interface OpenOptions extends Omit<HttpOptions, "scope" | "policy" | "sleep"> {
  /** The repository whose origin remote names the instance and project when nothing else does. */
  repo?: string;
  /** Where the project may come from besides the environment (`project` in envsync.yaml). */
  config?: Pick<ResolvedConfig, "project">;
}

export async function openGitLab<N extends GitLabNeeds>(
  ctx: Pick<CommandContext, "env" | "http">,
  needs: N,
  options: OpenOptions = {},
): Promise<GitLabFor<N>> {
  const { env } = ctx;
  const config = options.config ?? {};
  const origin =
    options.repo === undefined ? undefined : await originWhenNeeded(config, env, options.repo);
  // A missing project is said before a missing token: the config is the first thing to fix.
  const project =
    needs.project === undefined
      ? projectFrom(config, env, origin)
      : requireProject(config, env, needs.project, origin);
  const connection = connectionFromEnv(env, {
    scope: needs.scope,
    allowJobToken: needs.jobToken,
    origin,
  });
  const { repo: _repo, config: _config, ...httpOptions } = options;
  const http = new GitLabHttp(connection, { ...ctx.http, ...httpOptions, scope: needs.scope });
  return {
    http,
    rest: new GitLabRest(http),
    graphql: new GitLabGraphQL(http),
    baseUrl: connection.baseUrl,
    project: project as GitLabFor<N>["project"],
  };
}

/**
 * The instance `openGitLab` would ask, without needing a token: for a command that goes on when
 * there is none and says where it would have asked.
 */
export async function gitlabUrl(
  ctx: Pick<CommandContext, "env">,
  options: Pick<OpenOptions, "repo" | "config"> = {},
): Promise<string> {
  const origin =
    options.repo === undefined
      ? undefined
      : await originWhenNeeded(options.config ?? {}, ctx.env, options.repo);
  return instanceUrl(ctx.env, origin);
}

/**
 * The project a repository stands for when envsync.yaml names none: CI's variables, else the
 * origin remote's path. Undefined when neither says.
 */
export async function repositoryProject(
  ctx: Pick<CommandContext, "env">,
  repo: string,
): Promise<string | undefined> {
  // The origin remote is read only when no variable says.
  return (
    projectFrom({}, ctx.env, undefined) ?? (await originWhenNeeded({}, ctx.env, repo))?.project
  );
}

function projectFrom(
  config: Pick<ResolvedConfig, "project">,
  env: Env,
  origin: { project: string } | undefined,
): string | undefined {
  return config.project ?? env.CI_PROJECT_PATH ?? env.GITLAB_PROJECT_PATH ?? origin?.project;
}
