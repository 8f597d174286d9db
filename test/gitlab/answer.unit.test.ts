import * as z from "zod";
import { describe, expect, it } from "vitest";
import { parseAnswer, parseJson } from "../../src/gitlab/answer.js";
import { GitLabError } from "../../src/gitlab/errors.js";

const PIPELINE = z.object({ id: z.number(), status: z.string() });

describe("parseAnswer", () => {
  it("returns an answer of the expected shape", () => {
    expect(
      parseAnswer(PIPELINE, { id: 4, status: "success" }, "GET /projects/1/pipelines/4"),
    ).toEqual({ id: 4, status: "success" });
  });

  it("names the request and the first wrong field of a surprising answer", () => {
    let error: unknown;
    try {
      parseAnswer(PIPELINE, { id: "4", status: "success" }, "POST /projects/1/pipeline");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GitLabError);
    expect(error).toMatchObject({
      method: "POST",
      path: "/projects/1/pipeline",
      status: 200,
      message: expect.stringMatching(/^unexpected answer at id: /),
    });
  });

  it("reads a request without a method as a GET", () => {
    expect(() => parseAnswer(PIPELINE, null, "/version")).toThrow(
      expect.objectContaining({ method: "GET", path: "/version" }),
    );
  });
});

describe("parseJson", () => {
  const request = { status: 200, method: "GET", path: "/api/v4/projects/1" };

  it("reads JSON", () => {
    expect(parseJson('{"id": 1}', request)).toEqual({ id: 1 });
  });

  it("turns an HTML page into a GitLabError that says so, with its own code", () => {
    const answer = () => parseJson("  <!DOCTYPE html><html>Sign in</html>", request);
    expect(answer).toThrow(GitLabError);
    expect(answer).toThrow(
      expect.objectContaining({
        code: "gitlab-answer-invalid",
        message: "the answer is not JSON (an HTML page: a proxy or sign-in page?)",
        path: "/api/v4/projects/1",
      }),
    );
  });

  it("turns any other text into the same error, without guessing what it was", () => {
    expect(() => parseJson("Retry later", request)).toThrow(
      expect.objectContaining({ code: "gitlab-answer-invalid", message: "the answer is not JSON" }),
    );
  });
});
