/**
 * The build as data: what each output file would become and how it differs from what is on disk.
 * Writing is the caller's decision (commands/build.ts), after everything here has succeeded.
 */
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import { readTextInside, rootFor } from "../output/files.js";
import { packageRoot } from "../package-root.js";
import { renderFlows, type CompiledFlow } from "./render.js";
import { loadTemplates } from "./templates.js";

export type FileStatus = "new" | "changed" | "unchanged";

export interface PlannedFlow extends CompiledFlow {
  path: string;
  status: FileStatus;
  /** Unified diff against the file on disk; empty when unchanged. */
  diff: string;
}

export interface BuildPlanOptions {
  outDir: string;
  version: string;
  /** Template directory; default: the package's templates/. */
  templatesDir?: string;
}

export async function planBuild(
  config: ResolvedConfig,
  options: BuildPlanOptions,
): Promise<PlannedFlow[]> {
  const templates = await loadTemplates(options.templatesDir ?? join(packageRoot(), "templates"));
  const flows = renderFlows(config, templates, { version: options.version });
  // flows/ in the repository is the repository's: no link in it is followed (output/files.ts).
  const root = rootFor(options.outDir, "directory");
  return Promise.all(
    flows.map(async (flow) => {
      const path = join(options.outDir, flow.file);
      const current = await readTextInside(root, path);
      const status: FileStatus =
        current === undefined ? "new" : current === flow.content ? "unchanged" : "changed";
      // diff is loaded only when something changed: an up-to-date build never pays for it.
      const diff =
        status === "unchanged"
          ? ""
          : (await import("diff")).createTwoFilesPatch(
              path,
              path,
              current ?? "",
              flow.content,
              "on disk",
              "would be built",
            );
      return { ...flow, path, status, diff };
    }),
  );
}
