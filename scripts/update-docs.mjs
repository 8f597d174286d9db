// Rewrites the generated parts of docs/commands.md from the built CLI (run `npm run build` first;
// `npm run docs:update` does both). test/docs/reference.test.ts holds them equal.
import { readFileSync, writeFileSync } from "node:fs";

const { buildProgram } = await import("../dist/cli.js");
const { renderOptionsReference, generatedPart } = await import("../dist/command/reference.js");

const file = "docs/commands.md";
const quiet = { stdout: () => {}, stderr: () => {} };
const program = buildProgram(quiet, async () => {});
const document = readFileSync(file, "utf8");
const current = generatedPart(document);
if (current === undefined) throw new Error(`${file} has no generated options part (markers)`);
const fresh = renderOptionsReference(program);
writeFileSync(file, document.replace(current, fresh));
console.log(current === fresh ? `${file} is up to date` : `updated ${file}`);
