import { describe, expect, it } from "vitest";
import { compile, MINIMAL } from "../helpers/build.js";

describe("the flows know the declared protection", () => {
  it("tells the assistant who may push to and deploy each managed environment", async () => {
    const flows = await compile(
      "version: 1\nenvironments:\n  dev: { branch: develop, risk: low }\n" +
        "  production: { branch: main, risk: high, protection: { approvals: 3 } }\n",
    );
    const assistant = flows.find((f) => f.content.includes("read-only"))!;
    expect(assistant.content).toContain(
      "- production: branch `main`, GitLab environment `production`; declared protection in " +
        "GitLab (risk high: push: no one; merge: maintainers;",
    );
    expect(assistant.content).toContain("MR approvals: 3; deploy: maintainers");
    expect(assistant.content).toContain(
      "- dev: branch `develop`, GitLab environment `dev`; declared",
    );
  });

  it("says nothing of protection where none is declared", async () => {
    for (const flow of await compile(MINIMAL))
      expect(flow.content).not.toContain("declared protection");
  });
});
