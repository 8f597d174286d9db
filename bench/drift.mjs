// `envsync drift` on a generated repository of 50,000 files and ~5,000 divergent commits across
// develop → staging → main, as a ratio to what raw git does for the same pairs (git diff
// --name-status plus git cherry), measured in the same run. Also prints accuracy against the
// generator's ground truth, next to git cherry's.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateHistory } from "./fixtures/history.mjs";
import { timeCommand, row } from "./measure.mjs";

const PARAMS = { files: 50_000, devCommits: 2300, stagingHotfixes: 100, mainHotfixes: 60, seed: 3 };

function fixture() {
  const dir = join(
    tmpdir(),
    `envsync-bench-drift-${PARAMS.files}-${PARAMS.devCommits}-${PARAMS.seed}`,
  );
  const truthFile = join(dir, ".git", "envsync-truth.json");
  if (!existsSync(truthFile)) {
    const truth = generateHistory(dir, PARAMS);
    writeFileSync(truthFile, JSON.stringify(truth));
  }
  writeFileSync(
    join(dir, ".git", "envsync.yaml"),
    "version: 1\nenvironments:\n  dev: { branch: develop }\n  staging: { branch: staging }\n  production: { branch: main }\n",
  );
  return {
    dir,
    truth: JSON.parse(readFileSync(truthFile, "utf8")),
    config: join(dir, ".git", "envsync.yaml"),
  };
}

export function benchDrift({ root, runs }) {
  const started = Date.now();
  const { dir, truth, config } = fixture();
  const lines = [
    `fixture: ${truth.counts.files} files, ${truth.counts.develop + truth.counts.staging + truth.counts.main} divergent commits (${Math.round((Date.now() - started) / 1000)}s to prepare)`,
  ];
  const pairs = [
    ["staging", "develop"],
    ["main", "staging"],
  ];
  const git = (...args) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", maxBuffer: 1 << 30 });
  // The raw baseline runs in-process via execFileSync; time it the same way as the CLI (whole commands).
  const baseline = timeCommand(
    [
      process.execPath,
      "-e",
      `const {execFileSync}=require("child_process");for(const [d,u] of ${JSON.stringify(pairs)}){execFileSync("git",["diff","--name-status",d,u],{cwd:${JSON.stringify(dir)},maxBuffer:1<<30});execFileSync("git",["cherry",d,u],{cwd:${JSON.stringify(dir)},maxBuffer:1<<30});}`,
    ],
    { runs, warmup: 1 },
  );
  const ours = timeCommand(
    [process.execPath, join(root, "dist/cli.js"), "drift", "-c", config, "-C", dir, "--json"],
    { runs, warmup: 1 },
  );
  lines.push(row("raw git: diff --name-status + cherry (baseline)", baseline, baseline));
  lines.push(row("envsync drift --json (both directions)", ours, baseline, 1.5));

  // Accuracy on the same fixture.
  // Exit code 3 (drift found) is the expected answer here, so read stdout whatever the code.
  const report = JSON.parse(
    spawnSync(
      process.execPath,
      [join(root, "dist/cli.js"), "drift", "-c", config, "-C", dir, "--json"],
      { encoding: "utf8", maxBuffer: 1 << 30 },
    ).stdout,
  );
  for (const [i, key] of ["develop>staging", "staging>main"].entries()) {
    const t = truth.pairs[key];
    const picks = new Map(t.picks.map((p) => [p.from, p.to]));
    const pickShas = new Set(t.picks.map((p) => p.to));
    const pair = report.pairs[i];
    const found = pair.applied.filter((a) => picks.get(a.sha) === a.to_sha).length;
    const falseHotfixes = pair.missing_upstream.filter((c) => pickShas.has(c.sha)).length;
    const [up, down] = key.split(">");
    const cherryFound = git("cherry", down, up)
      .split("\n")
      .filter((l) => l.startsWith("- ") && picks.has(l.slice(2))).length;
    const cherryFalse = git("cherry", up, down)
      .split("\n")
      .filter((l) => l.startsWith("+ ") && pickShas.has(l.slice(2))).length;
    lines.push(
      `  ${key}: ${picks.size} picks: envsync finds ${found} (${((100 * found) / picks.size).toFixed(1)}%), ${falseHotfixes} false hotfixes; git cherry finds ${cherryFound} (${((100 * cherryFound) / picks.size).toFixed(1)}%), ${cherryFalse} false hotfixes`,
    );
  }
  return lines;
}
