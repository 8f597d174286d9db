import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

let cached: string | undefined;

/** Set by the build of the one-file runtime (`dist/envsync-runtime.mjs`), which has no package.json. */
declare const __ENVSYNC_VERSION__: string | undefined;

/** The EnvSync version, read once from package.json (never at import time). */
export function envsyncVersion(): string {
  if (typeof __ENVSYNC_VERSION__ === "string") return __ENVSYNC_VERSION__;
  cached ??= (
    JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }
  ).version;
  return cached;
}
