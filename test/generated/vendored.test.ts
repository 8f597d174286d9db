import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  readVendored,
  referenceModule,
  VENDOR_DIR,
  validatorModule,
  // @ts-expect-error: a plain ESM script without type declarations
} from "../../scripts/vendor-gitlab.mjs";
import { repoRoot } from "../helpers/cli.js";

// The build checks flows against GitLab's reference data, vendored in vendor/gitlab/. These keep the
// generated modules equal to what `npm run vendor:gitlab` writes from it.
describe("generated GitLab reference modules", () => {
  const vendored = readVendored(join(repoRoot, VENDOR_DIR));

  it("src/generated/gitlab-reference.ts holds vendor/gitlab's schema and tool list", () => {
    const file = join(repoRoot, "src/generated/gitlab-reference.ts");
    expect(readFileSync(file, "utf8")).toBe(referenceModule(vendored));
  });

  it("src/generated/flow-schema-validate.ts is that schema compiled by Ajv", () => {
    const file = join(repoRoot, "src/generated/flow-schema-validate.ts");
    expect(readFileSync(file, "utf8")).toBe(validatorModule(vendored));
  });
});
