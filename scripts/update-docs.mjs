// Rewrites the generated parts of docs/commands.md from the built CLI (run `npm run build` first;
// `npm run docs:update` does both). test/docs/reference.test.ts holds them equal.
import { readFileSync, writeFileSync } from "node:fs";

const { buildProgram } = await import("../dist/cli.js");
const { generatedPart, renderErrorCodes, renderOptionsReference } =
  await import("../dist/command/reference.js");

const file = "docs/commands.md";
const quiet = { stdout: () => {}, stderr: () => {} };
const fresh = {
  options: renderOptionsReference(buildProgram(quiet, async () => {})),
  "error codes": renderErrorCodes(),
};
let document = readFileSync(file, "utf8");
const before = document;
for (const [part, text] of Object.entries(fresh)) {
  const current = generatedPart(document, part);
  if (current === undefined) throw new Error(`${file} has no generated ${part} (its markers)`);
  document = document.replace(current, () => text);
}
writeFileSync(file, document);
console.log(document === before ? `${file} is up to date` : `updated ${file}`);

// The dashboard state block's JSON Schema, from its zod schema (test/dashboard/state.test.ts).
const { renderDashboardStateJsonSchema } = await import("../dist/dashboard/state.js");
const stateSchemaFile = "docs/dashboard-state.schema.json";
const stateSchema = renderDashboardStateJsonSchema();
let currentStateSchema;
try {
  currentStateSchema = readFileSync(stateSchemaFile, "utf8");
} catch {
  currentStateSchema = undefined;
}
if (currentStateSchema !== stateSchema) writeFileSync(stateSchemaFile, stateSchema);
console.log(
  currentStateSchema === stateSchema
    ? `${stateSchemaFile} is up to date`
    : `updated ${stateSchemaFile}`,
);
