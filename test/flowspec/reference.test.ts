import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script without type declarations
import { readShared, referenceModule, validatorModule } from "../../scripts/vendor-gitlab.mjs";
import { repoRoot } from "../helpers/cli.js";

// The build checks flows against a copy of GitLab's reference data, because an installed envsync has
// no ../shared. This keeps the copy honest; refresh it with `npm run vendor:gitlab`.
const shared = join(repoRoot, "..", "shared", "gitlab");

describe.runIf(existsSync(shared))("vendored GitLab reference data", () => {
  it("src/flowspec/reference.ts holds shared/gitlab's schema and tool list", () => {
    expect(readFileSync(join(repoRoot, "src/flowspec/reference.ts"), "utf8")).toBe(referenceModule(readShared(shared)));
  });

  it("src/flowspec/flow-schema-validate.ts is that schema compiled by Ajv", () => {
    expect(readFileSync(join(repoRoot, "src/flowspec/flow-schema-validate.ts"), "utf8")).toBe(validatorModule(readShared(shared)));
  });
});
