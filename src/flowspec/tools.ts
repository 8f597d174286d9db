/**
 * GitLab's tool catalogue and EnvSync's least-privilege roles. Each component of a compiled flow has
 * a role; its toolset must stay inside that role's allowlist, so a template edit that hands a
 * reporting step a merge tool fails the build instead of shipping.
 */
import { GITLAB_TOOLS } from "../generated/gitlab-reference.js";

export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(GITLAB_TOOLS.read_only);
/** Tools an agent may list; internal planning tools are granted by the platform, never listed. */
export const KNOWN_TOOLS: ReadonlySet<string> = new Set([
  ...GITLAB_TOOLS.read_only,
  ...GITLAB_TOOLS.mutating,
]);

const NOTE_TOOLS = ["create_issue_note", "create_merge_request_note"];
const WORKSPACE_TOOLS = ["run_command"];
const GIT_WRITE_TOOLS = ["run_command", "run_git_command", "create_merge_request", "create_branch"];

export type Role =
  | "classifier"
  | "reader"
  | "runner"
  | "git_writer"
  | "reporter"
  | "reviewer"
  | "assistant"
  | "config_loader";

export const ROLE_ALLOWLISTS: Record<Role, ReadonlySet<string>> = {
  /** Turns text into a structured decision; needs no tool at all. */
  classifier: new Set(),
  /** Reads GitLab. */
  reader: READ_ONLY_TOOLS,
  /** Reads GitLab and runs `envsync` in the runner workspace. */
  runner: new Set([...READ_ONLY_TOOLS, ...WORKSPACE_TOOLS]),
  /** Creates branches and merge requests by hand (the conflict resolver's tier-1 step). */
  git_writer: new Set([...READ_ONLY_TOOLS, ...GIT_WRITE_TOOLS]),
  /** Posts the one reply note; reads nothing and changes nothing else. */
  reporter: new Set(NOTE_TOOLS),
  /** Reads a merge request's diff and comments on its lines (suggestions); changes no file. */
  reviewer: new Set(["list_merge_request_diffs", "create_merge_request_diff_note"]),
  /** The chat agent: read-only, always. */
  assistant: READ_ONLY_TOOLS,
  /** The deterministic step that reads envsync.yaml. */
  config_loader: new Set(["get_repository_file"]),
};
