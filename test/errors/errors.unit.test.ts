import { describe, expect, it } from "vitest";
import {
  ConfigError,
  EnvsyncError,
  errorJson,
  ExitCode,
  exitCodeFor,
  formatError,
  usageError,
} from "../../src/errors.js";
import { GitError } from "../../src/git/git.js";
import { GitLabError } from "../../src/gitlab/errors.js";

describe("the error model", () => {
  it("formats a message, its details and a hint, without a stack", () => {
    const error = new EnvsyncError("flows-stale", "2 compiled flow files are stale", {
      details: ["flows/envsync-core.yml"],
      hint: "run envsync build",
    });
    expect(formatError(error)).toBe(
      "error: 2 compiled flow files are stale\n  - flows/envsync-core.yml\n  hint: run envsync build",
    );
    expect(exitCodeFor(error)).toBe(ExitCode.failure);
  });

  it("gives usage errors exit code 2 and the code asked for", () => {
    const error = usageError("'prod' is not an environment", { code: "unknown-environment" });
    expect(exitCodeFor(error)).toBe(ExitCode.usage);
    expect(errorJson(error)).toEqual({
      error: { code: "unknown-environment", message: "'prod' is not an environment" },
    });
  });

  it("prints config problems as file:line:column lines and carries them in JSON", () => {
    const problem = {
      file: "envsync.yaml",
      line: 3,
      column: 5,
      path: "environments.prod",
      message: "unknown key 'protectd'",
      hint: "did you mean 'protected'?",
      code: "unknown-key",
    };
    const error = new ConfigError([problem]);
    expect(formatError(error)).toBe(
      "envsync.yaml:3:5: unknown key 'protectd' (at environments.prod)\n  hint: did you mean 'protected'?",
    );
    expect(errorJson(error)).toMatchObject({
      error: { code: "config-invalid", problems: [problem] },
    });
  });

  it("names the GitLab request and its request id, coded by status", () => {
    const error = new GitLabError("not found (404)", {
      status: 404,
      method: "GET",
      path: "/api/v4/projects/acme%2Fshop",
      requestId: "01ABC",
      hint: "check the path",
    });
    expect(error.code).toBe("gitlab-not-found");
    expect(formatError(error)).toBe(
      "error: GitLab GET /api/v4/projects/acme%2Fshop: not found (404) [request id 01ABC]\n  hint: check the path",
    );
  });

  it("keeps git's arguments and exit code", () => {
    const error = new GitError("git merge-base failed: bad revision", ["merge-base", "x"], 128);
    expect(error).toMatchObject({
      code: "git-failed",
      gitExitCode: 128,
      args: ["merge-base", "x"],
    });
  });

  it("puts the result a command got as far as beside the error in JSON", () => {
    const error = new EnvsyncError("schema-stale", "schema.json is stale", {
      result: { file: "schema.json", fresh: false },
    });
    expect(errorJson(error)).toEqual({
      file: "schema.json",
      fresh: false,
      error: { code: "schema-stale", message: "schema.json is stale" },
    });
  });

  it("calls anything else a bug, code internal, exit 1", () => {
    const bug = new TypeError("x is undefined");
    expect(formatError(bug)).toMatch(
      /^error: unexpected failure: x is undefined\n {2}hint: this is a bug/,
    );
    expect(errorJson(bug)).toEqual({ error: { code: "internal", message: "x is undefined" } });
    expect(exitCodeFor(bug)).toBe(1);
  });
});
