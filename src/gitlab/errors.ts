import type { ErrorCode } from "../error-codes.js";
import { EnvsyncError } from "../errors.js";

export interface GitLabRequestFacts {
  /** HTTP status; 0 for network failures and timeouts, 200 for GraphQL-level errors. */
  status: number;
  method: string;
  path: string;
  requestId?: string;
  hint?: string;
  /** The answer came but cannot be read: not JSON, or not in the shape EnvSync relies on. */
  unreadable?: boolean;
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  0: "gitlab-unreachable",
  401: "gitlab-unauthorized",
  403: "gitlab-forbidden",
  404: "gitlab-not-found",
  429: "gitlab-rate-limited",
};

/** A GitLab API call failed: what was asked, GitLab's status and request id, and a hint. */
export class GitLabError extends EnvsyncError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;

  constructor(message: string, facts: GitLabRequestFacts) {
    const code = facts.unreadable
      ? "gitlab-answer-invalid"
      : (CODE_BY_STATUS[facts.status] ?? (facts.status === 200 ? "gitlab-api" : "gitlab-http"));
    super(code, message, { hint: facts.hint });
    this.name = "GitLabError";
    this.status = facts.status;
    this.method = facts.method;
    this.path = facts.path;
    this.requestId = facts.requestId;
  }

  /** Says which request failed; never the token. */
  override get summary(): string {
    const id = this.requestId ? ` [request id ${this.requestId}]` : "";
    return `GitLab ${this.method} ${this.path}: ${this.message}${id}`;
  }
}

/** An HTTP error answer as a GitLabError: what GitLab said, and what to do about it. */
export function errorForAnswer(
  answer: { method: string; path: string; status: number; text: string; attempt: number },
  headers: Headers,
  scope: string,
): GitLabError {
  const { method, path, status, text, attempt } = answer;
  const requestId = headers.get("x-request-id") ?? undefined;
  const server = messageOf(text);
  const details = { status, method, path, ...(requestId ? { requestId } : {}) };
  const retried = attempt > 0 ? ` after ${attempt + 1} attempts` : "";
  switch (status) {
    case 401:
      return new GitLabError("the token was rejected (401 Unauthorized)", {
        ...details,
        hint: `GITLAB_TOKEN must be a valid, unexpired access token with the '${scope}' scope`,
      });
    case 403:
      return new GitLabError(`forbidden (403)${server ? `: ${server}` : ""}`, {
        ...details,
        hint: `the token needs the '${scope}' scope and its user enough access (Maintainer or Owner for catalog and group settings)`,
      });
    case 404:
      return new GitLabError(`not found (404)${server ? `: ${server}` : ""}`, {
        ...details,
        hint: "check the path in envsync.yaml and that the token's user can see it",
      });
    case 429:
      return new GitLabError(`rate limited (429)${retried}`, {
        ...details,
        hint: "wait a minute and run the command again",
      });
    default:
      return new GitLabError(`HTTP ${status}${retried}${server ? `: ${server}` : ""}`, details);
  }
}

/**
 * GitLab error bodies: {"message": "..."} (string or field map), {"error": "..."}, or OAuth's
 * {"error": "insufficient_scope", "error_description", "scope"} for a token without the scope.
 */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as {
      message?: unknown;
      error?: unknown;
      error_description?: unknown;
      scope?: unknown;
    };
    if (body.error === "insufficient_scope" && body.message === undefined) {
      const scopes = typeof body.scope === "string" && body.scope ? body.scope.split(" ") : [];
      return `insufficient_scope: the token's scopes do not reach this${scopes.length > 0 ? ` (it takes ${scopes.join(" or ")})` : ""}`;
    }
    const value = body.message ?? body.error_description ?? body.error;
    if (value === undefined) return "";
    const message = typeof value === "string" ? value : JSON.stringify(value);
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
  } catch {
    return text.trim().slice(0, 200);
  }
}
