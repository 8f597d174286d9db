import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { renderFlows, type CompiledFlow } from "../../src/compile/render.js";
import { loadTemplates } from "../../src/compile/templates.js";
import { repoRoot, tempDir } from "./cli.js";

export const MINIMAL =
  "version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n  production: { branch: main, protected: true }\n";

export async function compile(
  yaml: string,
  templatesDir = join(repoRoot, "templates"),
): Promise<CompiledFlow[]> {
  return renderFlows(parseConfig(yaml, "envsync.yaml"), await loadTemplates(templatesDir), {
    version: "0.0.0-test",
  });
}

/** A private copy of templates/ for a test to break. */
export function templatesCopy(): string {
  const dir = join(tempDir(), "templates");
  cpSync(join(repoRoot, "templates"), dir, { recursive: true });
  return dir;
}

/** Replaces text in a template file, failing the test if the text is not there (so it cannot pass vacuously). */
export function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = before.replace(from, to);
  expect(after, `${file} should contain ${String(from)}`).not.toBe(before);
  writeFileSync(path, after);
}
