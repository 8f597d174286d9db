import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EnvsyncError } from "./errors.js";

let cached: string | undefined;

/**
 * The envsync package directory (holding templates/ and package.json), found by walking up from
 * this module: the same code runs from src/ in tests, dist/ as a library and dist/chunks/ bundled.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "templates")))
      return (cached = dir);
    const parent = dirname(dir);
    // The one-file runtime (envsync.mjs) carries no templates: it runs the engine, not the compiler.
    if (parent === dir)
      throw new EnvsyncError(
        "templates-missing",
        "this EnvSync has no templates: the one-file runtime runs the engine, not the compiler",
        { hint: "install the EnvSync package (README: Quick start) to run init, build or publish" },
      );
    dir = parent;
  }
}
