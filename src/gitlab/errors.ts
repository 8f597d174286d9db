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
