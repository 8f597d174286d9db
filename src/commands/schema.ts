import { BuildError, ExitCode } from "../errors.js";
import { renderConfigJsonSchema } from "../config/json-schema.js";
import { readTextIfExists, writeFilesAtomically } from "../output/files.js";
import { json, type Io } from "../output/io.js";

export interface SchemaOptions {
  out: string;
  check?: boolean;
  json?: boolean;
}

export async function schemaCommand(options: SchemaOptions, io: Io): Promise<number> {
  const rendered = renderConfigJsonSchema();
  const current = await readTextIfExists(options.out);
  const fresh = current === rendered;
  if (options.check) {
    if (options.json) io.stdout(json({ file: options.out, fresh }));
    if (!fresh) {
      throw new BuildError(`${options.out} is ${current === undefined ? "missing" : "stale"}`, [
        "regenerate it with `envsync schema` (or `npm run schema:update`) and commit the result",
      ]);
    }
    if (!options.json) io.stdout(`${options.out} is up to date\n`);
    return ExitCode.ok;
  }
  if (!fresh) await writeFilesAtomically([{ path: options.out, content: rendered }]);
  if (options.json) io.stdout(json({ file: options.out, written: !fresh }));
  else io.stdout(fresh ? `${options.out} is up to date\n` : `wrote ${options.out}\n`);
  return ExitCode.ok;
}
