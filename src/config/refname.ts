/**
 * Git's ref-name rules (git-check-ref-format) for a branch name, checked without spawning git so
 * validation stays fast. Characters such as `<`, `>` and `&` are legal here, which is why every
 * prompt escapes branch names instead of relying on this check.
 */
export function branchNameError(name: string): string | undefined {
  if (name === "") return "a branch name cannot be empty";
  if (name === "@") return "'@' is not a valid branch name";
  if (name.startsWith("-")) return "a branch name cannot start with '-'";
  if (name.startsWith("/") || name.endsWith("/"))
    return "a branch name cannot start or end with '/'";
  if (name.endsWith(".")) return "a branch name cannot end with '.'";
  if (name.includes("..")) return "a branch name cannot contain '..'";
  if (name.includes("//")) return "a branch name cannot contain '//'";
  if (name.includes("@{")) return "a branch name cannot contain '@{'";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) {
    return "a branch name cannot contain spaces, control characters or any of ~ ^ : ? * [ \\";
  }
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return `path component '${component}' cannot start with '.'`;
    if (component.endsWith(".lock")) return `path component '${component}' cannot end with '.lock'`;
  }
  return undefined;
}
