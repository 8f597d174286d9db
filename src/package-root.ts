import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
    if (parent === dir)
      throw new Error("cannot find the envsync package directory (package.json with templates/)");
    dir = parent;
  }
}
