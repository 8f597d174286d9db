/**
 * A saved `envsync publish --json` as a publish report: which flows still need their CI bridge in
 * which project. `envsync ci --publish-report FILE` reads it when it cannot ask GitLab itself.
 */
import * as z from "zod";
import { EnvsyncError } from "../errors.js";
import { readText } from "../output/files.js";

const REPORT = z.object({
  host: z.string(),
  dry_run: z.literal(false),
  triggers: z.array(
    z.object({ project: z.string(), flow: z.string(), active: z.boolean(), bridge: z.boolean() }),
  ),
});
export type TriggerReport = z.output<typeof REPORT>;

export async function readTriggerReport(file: string): Promise<TriggerReport> {
  const text = await readText(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const report = REPORT.safeParse(parsed);
  if (!report.success)
    throw new EnvsyncError(
      "bad-publish-report",
      `${file} is not the output of \`envsync publish --json\` (without --dry-run)`,
      { hint: "save it with `envsync publish --json > FILE`" },
    );
  return report.data;
}
