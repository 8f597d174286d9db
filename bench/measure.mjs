// Times whole commands over repeated runs and reports medians, so ratios compare like with like.
import { spawnSync } from "node:child_process";

export function timeCommand(argv, { runs = 15, warmup = 2, cwd } = {}) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(argv[0], argv.slice(1), { cwd, stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 3)
      throw new Error(`${argv.join(" ")} exited ${result.status}`);
    if (i >= warmup) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export function row(name, ms, baseline, target) {
  const ratio = ms / baseline;
  const verdict =
    target === undefined
      ? ""
      : ratio <= target
        ? `  (target ≤ ${target}x: met)`
        : `  (target ≤ ${target}x: MISSED)`;
  return `${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${ratio.toFixed(2).padStart(6)}x${verdict}`;
}
