import { EnvsyncError, ExitCode } from "../errors.js";
import { renderConfigJsonSchema } from "./json-schema.js";
import { readTextInside, rootFor, writeFilesInside } from "../output/files.js";
import type { CommandContext } from "../context.js";
import { json } from "../output/io.js";
import type { SchemaOptions } from "./cli.js";

export async function schemaCommand(
  options: SchemaOptions,
  { io }: Pick<CommandContext, "io">,
): Promise<number> {
  const rendered = renderConfigJsonSchema();
  const root = rootFor(options.out, "file");
  const current = await readTextInside(root, options.out);
  const fresh = current === rendered;
  if (options.check) {
    if (!fresh) {
      throw new EnvsyncError(
        "schema-stale",
        `${options.out} is ${current === undefined ? "missing" : "stale"}`,
        {
          details: [
            "regenerate it with `envsync schema` (or `npm run schema:update`) and commit the result",
          ],
          result: { file: options.out, fresh },
        },
      );
    }
    io.stdout(options.json ? json({ file: options.out, fresh }) : `${options.out} is up to date\n`);
    return ExitCode.ok;
  }
  if (!fresh) await writeFilesInside(root, [{ path: options.out, content: rendered }]);
  if (options.json) io.stdout(json({ file: options.out, written: !fresh }));
  else io.stdout(fresh ? `${options.out} is up to date\n` : `wrote ${options.out}\n`);
  return ExitCode.ok;
}
