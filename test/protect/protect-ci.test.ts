import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envsyncVersion } from "../../src/version.js";
import { envsync, tempDir } from "../helpers/cli.js";

describe("envsync ci with declared protection", () => {
  it("adds the manual protect job and the Maintainer token it needs, protected", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(
      file,
      "version: 1\nenvironments:\n  dev: { branch: develop }\n  production: { branch: main, risk: high }\n",
    );
    const result = await envsync("ci", "-c", file, "--json");
    expect(result.code).toBe(0);
    const setup = JSON.parse(result.out) as {
      includes: { component: string }[];
      variables: { name: string; masked: boolean; protected: boolean }[];
    };
    expect(setup.includes.map((i) => i.component)).toContain(
      `$CI_SERVER_FQDN/envsync/envsync/protect@${envsyncVersion()}`,
    );
    expect(setup.variables).toContainEqual(
      expect.objectContaining({ name: "ENVSYNC_PROTECT_TOKEN", masked: true, protected: true }),
    );
  });

  it("leaves them out when no environment declares protection", async () => {
    const file = join(tempDir(), "envsync.yaml");
    writeFileSync(
      file,
      "version: 1\nenvironments:\n  dev: { branch: develop }\n  production: { branch: main }\n",
    );
    const setup = JSON.parse((await envsync("ci", "-c", file, "--json")).out) as {
      includes: { component: string }[];
      variables: { name: string }[];
    };
    expect(setup.includes.map((i) => i.component.replace(/.*\/(.*)@.*/, "$1"))).toEqual([
      "pipeline-doctor",
      "drift-check",
    ]);
    expect(setup.variables.map((v) => v.name)).toEqual(["ENVSYNC_GITLAB_TOKEN"]);
  });
});
