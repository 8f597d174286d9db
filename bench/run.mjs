// `npm run bench`: every benchmark, each printed as a ratio to a baseline measured in this run.
import { fileURLToPath } from "node:url";
import { benchStartup } from "./cli-startup.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
console.log(`EnvSync benchmarks (median of ${runs} runs, node ${process.version})\n`);
console.log("CLI start-up");
for (const line of benchStartup({ root, runs })) console.log(`  ${line}`);
