// `envsync build` on the bundled example as a ratio to bare Node start-up, and the size of every
// system prompt (tokens estimated as characters / 4) so prompt cost stays visible.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { timeCommand, row } from "./measure.mjs";

export function benchBuild({ root, runs, baseline }) {
  const out = mkdtempSync(join(tmpdir(), "envsync-bench-"));
  try {
    const argv = [
      process.execPath,
      "dist/cli.js",
      "build",
      "-c",
      "examples/envsync.yaml",
      "-o",
      out,
    ];
    const ms = timeCommand(argv, { runs, cwd: root });
    const lines = [row("envsync build (examples/envsync.yaml)", ms, baseline, 3)];
    let largest = 0;
    for (const file of readdirSync(out).sort()) {
      const flow = parse(readFileSync(join(out, file), "utf8"));
      for (const prompt of flow.prompts ?? []) {
        const tokens = Math.ceil(prompt.prompt_template.system.length / 4);
        largest = Math.max(largest, tokens);
        lines.push(
          `  ${file.padEnd(30)} ${prompt.prompt_id.padEnd(28)} ${String(tokens).padStart(5)} tokens`,
        );
      }
    }
    lines.push(`  largest system prompt: ${largest} tokens (target < 4000)`);
    return lines;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
