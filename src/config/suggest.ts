import leven from "leven";

/** The candidate closest to `word`, when it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = leven(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  if (bestDistance <= tolerance) return best;
  // Abbreviations ("prod" for "production") are typos too, but far away in edit distance.
  if (lower.length >= 3) return candidates.find((c) => c.toLowerCase().startsWith(lower));
  return undefined;
}
