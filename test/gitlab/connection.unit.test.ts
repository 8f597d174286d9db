import { describe, expect, it } from "vitest";
import { authHeaders, connectionFromEnv } from "../../src/gitlab/connection.js";
import { parseRemoteUrl } from "../../src/gitlab/origin.js";

describe("parseRemoteUrl", () => {
  it.each([
    ["git@gitlab.example.com:acme/shop.git", "https://gitlab.example.com", "acme/shop"],
    ["gitlab.example.com:acme/sub/shop", "https://gitlab.example.com", "acme/sub/shop"],
    ["ssh://git@gitlab.example.com:2222/acme/shop.git", "https://gitlab.example.com", "acme/shop"],
    ["https://gitlab.example.com/acme/shop.git", "https://gitlab.example.com", "acme/shop"],
    [
      "https://oauth2:secret@gitlab.example.com/acme/shop",
      "https://gitlab.example.com",
      "acme/shop",
    ],
    ["http://127.0.0.1:8080/acme/shop.git/", "http://127.0.0.1:8080", "acme/shop"],
  ])("reads %s", (url, baseUrl, project) => {
    expect(parseRemoteUrl(url)).toEqual({ baseUrl, project });
  });

  it.each(["/srv/git/shop.git", "../shop", "https://gitlab.example.com/", "not a url"])(
    "finds no GitLab project in %s",
    (url) => {
      expect(parseRemoteUrl(url)).toBeUndefined();
    },
  );
});

describe("connectionFromEnv", () => {
  const needs = { scope: "read_api", allowJobToken: true };

  it("takes the instance from GITLAB_URL, GITLAB_BASE_URL, CI_SERVER_URL, the origin, in that order", () => {
    const origin = { baseUrl: "https://origin.example.com" };
    const env = { GITLAB_TOKEN: "t" };
    expect(connectionFromEnv(env, needs).baseUrl).toBe("https://gitlab.com");
    // The origin remote names the instance only when a variable does not, and a token is not
    // sent to a host it alone names (below).
    expect(
      connectionFromEnv(env, { ...needs, origin: { baseUrl: "https://gitlab.com" } }).baseUrl,
    ).toBe("https://gitlab.com");
    const ci = { ...env, CI_SERVER_URL: "https://ci.example.com/" };
    expect(connectionFromEnv(ci, { ...needs, origin }).baseUrl).toBe("https://ci.example.com");
    const flow = { ...ci, GITLAB_BASE_URL: "https://flow.example.com/api/v4" };
    expect(connectionFromEnv(flow, needs).baseUrl).toBe("https://flow.example.com");
    const explicit = { ...flow, GITLAB_URL: "https://explicit.example.com" };
    expect(connectionFromEnv(explicit, needs).baseUrl).toBe("https://explicit.example.com");
  });

  it("sends no token to an instance only the origin remote names, over https or http", () => {
    for (const baseUrl of [
      "https://origin.example.com",
      "http://gitlab.com",
      "http://127.0.0.1:8080",
    ])
      for (const env of [{ GITLAB_TOKEN: "glpat-origin-only" }, { CI_JOB_TOKEN: "job-token-x" }])
        expect(() => connectionFromEnv(env, { ...needs, origin: { baseUrl } })).toThrow(
          expect.objectContaining({ code: "gitlab-instance-unnamed" }),
        );
    const named = { GITLAB_TOKEN: "glpat-origin-only", GITLAB_URL: "http://127.0.0.1:8080" };
    const origin = { baseUrl: "https://origin.example.com" };
    expect(connectionFromEnv(named, { ...needs, origin }).baseUrl).toBe("http://127.0.0.1:8080");
  });

  it("sends access and OAuth tokens as Bearer, and a CI job token as JOB-TOKEN", () => {
    expect(authHeaders(connectionFromEnv({ GITLAB_TOKEN: "glpat-x" }, needs))).toEqual({
      authorization: "Bearer glpat-x",
    });
    expect(authHeaders(connectionFromEnv({ GITLAB_OAUTH_TOKEN: "oauth-x" }, needs))).toEqual({
      authorization: "Bearer oauth-x",
    });
    expect(authHeaders(connectionFromEnv({ CI_JOB_TOKEN: "job-x" }, needs))).toEqual({
      "JOB-TOKEN": "job-x",
    });
  });

  it("refuses a job token where the endpoint needs more, naming the scope", () => {
    expect(() =>
      connectionFromEnv({ CI_JOB_TOKEN: "job-x" }, { scope: "api", allowJobToken: false }),
    ).toThrow(/no GitLab token/);
  });
});
