// `npm run bench [-- NAME...]`: every benchmark but the fleet-scale ones (or those named: startup,
// build, drift, fleet, fleet-scale and fleet-drift, about a minute each, fleet-scaling), each
// printed as a ratio to a baseline measured in this run.
import { fileURLToPath } from "node:url";
import { benchBuild } from "./build.mjs";
import { benchDrift } from "./drift.mjs";
import { benchFleetScale, benchFleetScaling } from "./fleet-scale.mjs";
import { benchFleetStatus } from "./fleet-status.mjs";
import { benchStartup } from "./cli-startup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const wanted = new Set(process.argv.slice(2));
const run = (name) => wanted.size === 0 || wanted.has(name);
const asked = (name) => wanted.has(name);
console.log(`EnvSync benchmarks (median of ${runs} runs, node ${process.version})\n`);
let baseline;
if (run("startup") || run("build")) {
  console.log("CLI start-up");
  const startup = benchStartup({ root, runs });
  baseline = startup.baseline;
  for (const line of startup.lines) console.log(`  ${line}`);
}
if (run("build")) {
  console.log("\nFlow compiler");
  for (const line of benchBuild({ root, runs, baseline })) console.log(`  ${line}`);
}
if (run("drift")) {
  console.log("\nDrift engine (local git)");
  for (const line of benchDrift({ root, runs: Math.max(3, Math.floor(runs / 3)) }))
    console.log(`  ${line}`);
}
if (run("fleet")) {
  console.log("\nFleet status (GitLab stand-in)");
  for (const line of await benchFleetStatus({ root, runs: 3 })) console.log(`  ${line}`);
}
if (asked("fleet-scale")) {
  console.log("\nFleet at scale (GitLab stand-in with GitLab's limits)");
  for (const line of (await benchFleetScale({ root })).lines) console.log(`  ${line}`);
}
if (asked("fleet-drift")) {
  console.log("\nFleet drift at scale (GitLab stand-in with GitLab's limits)");
  for (const line of (await benchFleetScale({ root, command: "drift" })).lines)
    console.log(`  ${line}`);
}
if (asked("fleet-scaling")) {
  console.log("\nFleet scaling table (one shard job each; docs/scaling.md)");
  for (const line of await benchFleetScaling({ root })) console.log(line);
}
