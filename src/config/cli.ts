import type { Command } from "@commander-js/extra-typings";
import { defineCommand, type OptionsOf } from "../command/define.js";
import { configOption, jsonOption } from "../command/options.js";

const declareValidate = (command: Command) =>
  command.addOption(configOption()).addOption(jsonOption());

export type ValidateOptions = OptionsOf<typeof declareValidate>;

export const validateCli = defineCommand({
  name: "validate",
  description: "check envsync.yaml and report every problem with file:line:column",
  declare: declareValidate,
  load: () => import("./validate-command.js").then((m) => m.validateCommand),
});

const declareSchema = (command: Command) =>
  command
    .option("-o, --out <file>", "where to write the schema", "schema/envsync.schema.json")
    .option("--check", "exit 1 when the file differs from the current schema; write nothing")
    .addOption(jsonOption());

export type SchemaOptions = OptionsOf<typeof declareSchema>;

export const schemaCli = defineCommand({
  name: "schema",
  description: "write the JSON Schema of envsync.yaml for editors (or check that it is current)",
  declare: declareSchema,
  load: () => import("./schema-command.js").then((m) => m.schemaCommand),
});
