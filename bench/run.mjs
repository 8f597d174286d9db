// `npm run bench`: every benchmark, each printed as a ratio to a baseline measured in this run.
import { fileURLToPath } from "node:url";
import { benchBuild } from "./build.mjs";
import { benchDrift } from "./drift.mjs";
import { benchFleetStatus } from "./fleet-status.mjs";
import { benchStartup } from "./cli-startup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
console.log(`EnvSync benchmarks (median of ${runs} runs, node ${process.version})\n`);
console.log("CLI start-up");
const startup = benchStartup({ root, runs });
for (const line of startup.lines) console.log(`  ${line}`);
console.log("\nFlow compiler");
for (const line of benchBuild({ root, runs, baseline: startup.baseline })) console.log(`  ${line}`);
console.log("\nDrift engine (local git)");
for (const line of benchDrift({ root, runs: Math.max(3, Math.floor(runs / 3)) }))
  console.log(`  ${line}`);
console.log("\nFleet status (GitLab stand-in)");
for (const line of await benchFleetStatus({ root, runs: 3 })) console.log(`  ${line}`);
