import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { EnvsyncError } from "../../src/errors.js";
import { FLOWS, flowName } from "../../src/compile/flows.js";
import { buildViewModel } from "../../src/compile/view-model.js";
import { compile, edit, MINIMAL, templatesCopy } from "../helpers/build.js";
import { repoRoot } from "../helpers/cli.js";

// A user's own templates (`envsync build --templates DIR`) may read exactly the fields
// docs/flows.md lists; the table and the view model must not drift apart.

/** Field paths as the doc writes them: `a.b`, a list `xs` and its items' fields `xs[].c`. */
function fieldPaths(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) {
    // An empty list would hide its items' fields from the comparison.
    expect(value.length, `${path} is empty in the example`).toBeGreaterThan(0);
    return [path, ...fieldPaths(value[0], `${path}[]`)];
  }
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([key, item]) =>
      fieldPaths(item, path ? `${path}.${key}` : key),
    );
  return [path];
}

function documentedFields(): string[] {
  const doc = readFileSync(join(repoRoot, "docs/flows.md"), "utf8");
  const section = doc.slice(doc.indexOf("## The template contract"));
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

describe("the template contract in docs/flows.md", () => {
  it("lists every field of the view model, once, and nothing else", async () => {
    // The bundled example fills every list, so list items show their fields too.
    const { config } = await loadConfig(join(repoRoot, "examples/envsync.yaml"));
    const flowNames = Object.fromEntries(
      FLOWS.map((f) => [f.id, flowName(config.catalog.name_prefix, f.id)]),
    );
    const view = buildViewModel(config, { version: "0.0.0", flowNames });
    const documented = documentedFields();
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented).size, "a field is listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual(fieldPaths(view).sort());
  });

  it("is enforced: a template reading a field outside it fails the build", async () => {
    // configHash was once in the view model; the generated header carries the hash instead.
    const dir = templatesCopy();
    edit(dir, "partials/envsync_cli.hbs", "prints {{version}}", "prints {{configHash}}");
    const error = await compile(MINIMAL, dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvsyncError);
    expect((error as EnvsyncError).message).toMatch(/envsync_cli\.hbs.*"configHash" not defined/);
  });
});
