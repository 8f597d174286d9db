/**
 * Maps a key path (environments.staging.branch) back to a line and column in the YAML source, so
 * every problem, including cross-field ones, points at the text the user has to change.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  target: "key" | "value",
): Position {
  let node: unknown = doc.contents;
  let best: number = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      if (keyStart !== undefined) best = keyStart;
      if (last && target === "key") break;
      node = pair.value;
      const valueStart = rangeStart(node);
      if (valueStart !== undefined) best = valueStart;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      const start = rangeStart(node);
      if (start === undefined) break;
      best = start;
    } else {
      break;
    }
  }
  const { line, col } = lineCounter.linePos(best);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}
