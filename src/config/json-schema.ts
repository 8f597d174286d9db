import * as z from "zod";
import { configSchema } from "./schema.js";

/** A name, not a location: editors load the file from the installed package (see README). */
export const SCHEMA_ID = "urn:envsync:schema:envsync.yaml:1";

/** JSON Schema 2020-12 for editors (yaml-language-server), generated from the zod contract. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, title: "envsync.yaml", ...rest };
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
