/**
 * Which migration folders a repository has, from its tracked files: the folders of
 * MIGRATION_FOLDERS that exist, each as the glob `init` writes into `rollback.migrations.paths`.
 */
import picomatch from "picomatch";
import { MIGRATION_FOLDERS, migrationGlob } from "../config/migration-folders.js";

export interface DetectedMigrations {
  /** A glob for one folder that exists, e.g. `shop/migrations/[0-9]*.py`. */
  path: string;
  /** Who keeps migrations there. */
  frameworks: string;
}

const KINDS = MIGRATION_FOLDERS.map((kind) => ({
  ...kind,
  matches: picomatch(migrationGlob(kind), { dot: true }),
  inFolder: picomatch(kind.files, { dot: true }),
}));

export function detectMigrations(files: readonly string[]): DetectedMigrations[] {
  const found = new Map<string, string>();
  for (const file of files)
    for (const kind of KINDS) {
      if (!kind.matches(file)) continue;
      // The folder as it sits in this repository: the shallowest place the framework's folder
      // name appears with the file below it in the framework's shape.
      const marker = `${kind.folder}/`;
      for (let at = file.indexOf(marker); at >= 0; at = file.indexOf(marker, at + 1)) {
        if (at > 0 && file[at - 1] !== "/") continue;
        if (!kind.inFolder(file.slice(at + marker.length))) continue;
        found.set(`${file.slice(0, at)}${marker}${kind.files}`, kind.frameworks);
        break;
      }
    }
  return [...found]
    .map(([path, frameworks]) => ({ path, frameworks }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
