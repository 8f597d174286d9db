/**
 * Finds the first error in a CI job log and the lines around it. Markers cover the usual languages
 * and tools; GitLab's section markers and ANSI colours are stripped first, and the runner's closing
 * "Job failed" line counts only when nothing more specific is there.
 */
export interface LogEvidence {
  /** 1-based line in the log. */
  line: number;
  text: string;
  marker: string;
  /** The lines around the first error, at most `maxLines`. */
  excerpt: string;
  total_lines: number;
}

/**
 * pytest's summary line, `==== 2 failed, 1 passed in 0.1s ====`: equals, a space, text naming
 * failures or errors, a space, equals. Read from both ends in one pass; as one pattern with two
 * `.*` around the word, a long line of them backtracked quadratically.
 */
const PYTEST_SUMMARY = {
  test(line: string): boolean {
    const open = /^=+ /.exec(line);
    if (!open) return false;
    let end = line.length;
    while (end > 0 && line[end - 1] === "=") end--;
    if (end === line.length || line[end - 1] !== " ") return false;
    return /\b(failed|error)s?\b/.test(line.slice(open[0].length, end - 1));
  },
};

const MARKERS: [name: string, pattern: { test(line: string): boolean }][] = [
  ["npm", /^npm (ERR!|error)\s/],
  ["typescript", /\berror TS\d{3,5}:/],
  ["python traceback", /^Traceback \(most recent call last\):/],
  ["pytest", { test: (line) => /^(E\s{3}\S|FAILED\s\S)/.test(line) || PYTEST_SUMMARY.test(line) }],
  ["jest/vitest", /^\s*(●|×|✕)\s|^\s*FAIL\s+\S+\.[cm]?[jt]sx?\b/],
  ["maven/gradle", /^\[ERROR\]\s|^FAILURE: Build failed|^> Task .* FAILED$/],
  ["go", /^(--- FAIL:|panic:|FAIL\s+\S)/],
  ["rust", /^error(\[E\d+\])?:\s/],
  ["java", /^(Exception in thread|\S+(Exception|Error): )/],
  ["assertion", /\bAssertionError\b/],
  ["shell", /(command not found|No such file or directory|Permission denied)$/],
  [
    "network",
    /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|Connection refused|Could not resolve host|TLS handshake timeout)\b/,
  ],
  ["resources", /\b(No space left on device|OOMKilled|out of memory|Killed)\b/i],
  ["git", /^fatal:\s/],
  ["generic", /^\s*(ERROR|Error|error|FATAL|Fatal)(:|\s-)\s/],
];

const RUNNER_FAILURE = /^ERROR: Job failed\b/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
// A section's options (`[collapsed=true]`) are short and on its line: bounded, so an unclosed `[`
// does not send every marker scanning to the end of the log.
const SECTION = /section_(start|end):\d+:[\w.-]+(\[[^\]\n]{0,256}\])?\r?/g;

export function cleanLog(raw: string): string[] {
  return raw
    .replace(ANSI, "")
    .replace(SECTION, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/\r/g, ""));
}

export function firstError(raw: string, maxLines = 200): LogEvidence | undefined {
  const lines = cleanLog(raw);
  let hit: { index: number; marker: string } | undefined;
  for (let i = 0; i < lines.length && !hit; i++) {
    const line = lines[i]!;
    if (RUNNER_FAILURE.test(line)) continue;
    const marker = MARKERS.find(([, pattern]) => pattern.test(line));
    if (marker) hit = { index: i, marker: marker[0] };
  }
  if (!hit) {
    const runner = lines.findIndex((l) => RUNNER_FAILURE.test(l));
    if (runner < 0) return undefined;
    hit = { index: runner, marker: "runner" };
  }
  // A quarter of the budget before the error (what led to it), the rest after (the error itself).
  const before = Math.min(hit.index, Math.floor(maxLines / 4));
  const start = hit.index - before;
  const excerpt = lines
    .slice(start, start + maxLines)
    .join("\n")
    .trimEnd();
  return {
    line: hit.index + 1,
    text: lines[hit.index]!.trim(),
    marker: hit.marker,
    excerpt,
    total_lines: lines.length,
  };
}
