import { describe, expect, it } from "vitest";
import { secretScrubber, secretsOf, withoutSecrets } from "../../src/output/secrets.js";
import { terminalSafe } from "../../src/output/io.js";

describe("secrets in output", () => {
  const env = {
    GITLAB_TOKEN: "glpat-AbC123xyz-0987",
    CI_JOB_TOKEN: "short",
    GITLAB_URL: "https://admin:pa55word-long@gitlab.example.com",
    PATH: "/usr/bin",
  };

  it("collects token values and URL passwords, not short or ordinary values", () => {
    expect(secretsOf(env)).toEqual(["glpat-AbC123xyz-0987", "pa55word-long"]);
  });

  it("hides a secret raw, percent-encoded or JSON-escaped, in any case of hex digit", () => {
    const scrub = secretScrubber(secretsOf(env));
    const escaped = [..."glpat-AbC123xyz-0987"]
      .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`)
      .join("");
    for (const form of [
      "glpat-AbC123xyz-0987",
      escaped,
      encodeURIComponent("pa55word-long").replace(/-/g, "%2d"),
      "glpat%2DAbC123xyz%2d0987",
    ])
      expect(scrub(`before ${form} after`)).toBe("before [REDACTED] after");
    expect(scrub("nothing here")).toBe("nothing here");
  });

  it("gives repository commands an environment without them", () => {
    expect(withoutSecrets(env)).toEqual({
      GITLAB_URL: "https://gitlab.example.com/",
      PATH: "/usr/bin",
    });
  });
});

describe("terminalSafe", () => {
  it("shows escape, C1 and bidi characters as \\uXXXX, keeping tabs and newlines", () => {
    expect(terminalSafe("a\u001b[31mb\u009bc\u202ed\te\nf")).toBe(
      "a\\u001b[31mb\\u009bc\\u202ed\te\nf",
    );
  });

  it("keeps JSON parseable and equal in meaning", () => {
    const value = { subject: "x\u009by\u202ez" };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });
});

describe("git credentials of a flow job", () => {
  it("reach fetch and push only, never a token", () => {
    const env = {
      DUO_WORKFLOW_GIT_HTTP_USER: "oauth2",
      DUO_WORKFLOW_GIT_HTTP_PASSWORD: "job-git-password-123",
      GITLAB_TOKEN: "glpat-not-for-git-0000",
    };
    expect(withoutSecrets(env)).toEqual({ DUO_WORKFLOW_GIT_HTTP_USER: "oauth2" });
    expect(withoutSecrets(env, { gitCredentials: true })).toEqual({
      DUO_WORKFLOW_GIT_HTTP_USER: "oauth2",
      DUO_WORKFLOW_GIT_HTTP_PASSWORD: "job-git-password-123",
    });
  });
});
