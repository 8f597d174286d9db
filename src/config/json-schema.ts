import * as z from "zod";
import { configSchema } from "./schema.js";

export const SCHEMA_ID = "https://gitlab.com/envsync/envsync/-/raw/main/schema/envsync.schema.json";

/** JSON Schema 2020-12 for editors (yaml-language-server), generated from the zod contract. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, title: "envsync.yaml", ...rest };
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
