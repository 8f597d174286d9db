// CLI start-up paths as ratios to bare Node start-up (`node -e 0`), measured in the same run.
import { timeCommand, row } from "./measure.mjs";

export function benchStartup({ root, runs }) {
  const node = process.execPath;
  const baseline = timeCommand([node, "-e", "0"], { runs });
  const cases = [
    ["envsync --version", [node, "dist/cli.js", "--version"], 1.5],
    [
      "envsync validate (examples/envsync.yaml)",
      [node, "dist/cli.js", "validate", "-c", "examples/envsync.yaml"],
      2.5,
    ],
  ];
  const lines = [row("node -e 0 (baseline)", baseline, baseline)];
  for (const [name, argv, target] of cases)
    lines.push(row(name, timeCommand(argv, { runs, cwd: root }), baseline, target));
  return { lines, baseline };
}
