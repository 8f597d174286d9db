import picomatch from "picomatch";

/** Returns why a glob is unusable, or undefined when picomatch can compile it. */
export function globError(glob: string): string | undefined {
  if (glob.trim() === "") return "a glob cannot be empty";
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
