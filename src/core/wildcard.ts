/**
 * GitLab's protected-branch wildcard (`*` for any run of characters) against a branch name, without
 * a regular expression: `a*b*c` as a built regex backtracks through every way of placing its stars
 * (exponential in their number). Here the text between stars must be a prefix, a suffix, and in
 * between found leftmost in order, which is correct for `*` alone; each piece is searched once
 * from where the last ended, so the work is at most |pattern| × |branch| and usually linear.
 */
export function wildcardMatch(pattern: string, branch: string): boolean {
  const pieces = pattern.split("*");
  if (pieces.length === 1) return pattern === branch;
  const first = pieces[0]!;
  const last = pieces.at(-1)!;
  if (first.length + last.length > branch.length) return false;
  if (!branch.startsWith(first) || !branch.endsWith(last)) return false;
  let at = first.length;
  const end = branch.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    if (piece === "") continue;
    const found = branch.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
