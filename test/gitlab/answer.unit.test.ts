import * as z from "zod";
import { describe, expect, it } from "vitest";
import { parseAnswer } from "../../src/gitlab/answer.js";
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
