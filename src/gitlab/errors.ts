import { EnvsyncError } from "../errors.js";

/** A GitLab API call failed: status (0 for network failures and timeouts), request id, and a hint. */
export class GitLabError extends EnvsyncError {
  readonly kind = "gitlab";
  constructor(
    message: string,
    readonly details: {
      status: number;
      method: string;
      path: string;
      requestId?: string;
      hint?: string;
    },
  ) {
    super(message);
    this.name = "GitLabError";
  }

  /** One line (plus a hint) for people: never the token, never a stack. */
  describe(): string {
    const id = this.details.requestId ? ` [request id ${this.details.requestId}]` : "";
    const hint = this.details.hint ? `\n  hint: ${this.details.hint}` : "";
    return `error: GitLab ${this.details.method} ${this.details.path}: ${this.message}${id}${hint}`;
  }
}

/** GitLab needs a token and none is set, or the one set cannot do this. */
export class AuthError extends EnvsyncError {
  readonly kind = "auth";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}
