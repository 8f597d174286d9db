import picomatch from "picomatch";

/**
 * What a glob may hold, so matching stays quick on any path: picomatch makes each `*` a lazy
 * `[^/]*?` and each `**` a lazy run across folders, and a regular expression backtracks through
 * every placement of them (`*a*a*a*a*b` against `aaaa…` tries them all). With at most two `*` in
 * a folder name and two `**` in a glob, the work is at most quadratic in a name or a path's depth.
 */
export const GLOB_LIMITS = { length: 256, starsPerSegment: 2, globstars: 2 } as const;

function globComplexity(glob: string): string | undefined {
  if (glob.length > GLOB_LIMITS.length)
    return `a glob is at most ${GLOB_LIMITS.length} characters (this one has ${glob.length})`;
  const segments = glob.split("/");
  if (segments.filter((s) => s.includes("**")).length > GLOB_LIMITS.globstars)
    return `a glob has at most ${GLOB_LIMITS.globstars} '**'`;
  const busy = segments.find((s) => s !== "**" && (s.match(/\*+/g)?.length ?? 0) > 2);
  if (busy !== undefined)
    return `a folder or file name in a glob has at most ${GLOB_LIMITS.starsPerSegment} '*' ('${busy}' has more)`;
  return undefined;
}

/** Returns why a glob is unusable, or undefined when picomatch can compile it. */
export function globError(glob: string): string | undefined {
  if (glob.trim() === "") return "a glob cannot be empty";
  const complexity = globComplexity(glob);
  if (complexity) return complexity;
  if (glob.startsWith("/"))
    return "globs are relative to the repository root; drop the leading '/'";
  try {
    // strictBrackets turns an unbalanced [ { ( into an error instead of a literal match, which is
    // almost always a typo in a config file.
    picomatch.makeRe(glob, { strictBrackets: true });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export type PathMatcher = (path: string) => boolean;

/** One matcher for a list of globs; dotfiles match like any other file. */
export function matcherFor(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}
