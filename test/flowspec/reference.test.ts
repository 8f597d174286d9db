import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLOW_CONFIG_V1_SCHEMA, GITLAB_TOOLS } from "../../src/flowspec/reference.js";
import { repoRoot } from "../helpers/cli.js";

// The build checks flows against a copy of GitLab's reference data, because an installed envsync has
// no ../shared. This keeps the copy honest; refresh it with `npm run vendor:gitlab`.
const shared = join(repoRoot, "..", "shared", "gitlab");

describe.runIf(existsSync(shared))("vendored GitLab reference data", () => {
  it("matches shared/gitlab/flow_config.v1.schema.json", () => {
    expect(FLOW_CONFIG_V1_SCHEMA).toEqual(JSON.parse(readFileSync(join(shared, "flow_config.v1.schema.json"), "utf8")));
  });

  it("matches shared/gitlab/tools.json", () => {
    expect(GITLAB_TOOLS).toEqual(JSON.parse(readFileSync(join(shared, "tools.json"), "utf8")));
  });
});
