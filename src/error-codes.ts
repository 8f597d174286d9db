/**
 * Every code an EnvSync failure carries, closed: a code not listed here does not compile. Each has
 * the exit code it ends the process with and the line docs/commands.md shows for it (generated
 * from this table; a test holds them equal). Codes are stable: scripts read them from `--json`.
 */

export const ExitCode = {
  ok: 0,
  /** Invalid config, failed build/check, runtime failure. */
  failure: 1,
  /** Unknown command, bad flag, missing argument. */
  usage: 2,
  /** The command ran and found something that needs attention (drift, blocked rollback). */
  findings: 3,
  /** Interrupted (Ctrl-C, SIGTERM), as shells report it. */
  interrupted: 130,
} as const;

interface CodeFacts {
  exit: (typeof ExitCode)[keyof typeof ExitCode];
  /** When it happens, for the docs. */
  doc: string;
}

const usage = (doc: string) => ({ exit: ExitCode.usage, doc }) as const;
const failure = (doc: string) => ({ exit: ExitCode.failure, doc }) as const;

export const ERROR_CODES = {
  // The command line
  usage: usage("a bad flag, argument or combination of them"),
  "unknown-environment": usage("a name that is not an environment in envsync.yaml"),
  "not-adjacent": usage("`promote` between environments that are not one step apart"),
  "confirmation-required": usage("writing into a protected environment without `--confirm ENV`"),
  "project-unknown": usage("no project in envsync.yaml, CI's variables or the origin remote"),
  "no-fleet-projects": usage("`--all-projects` with no `projects[]` in envsync.yaml"),
  "not-in-ci": usage("`notify` outside a GitLab CI job, without the variables it needs"),
  "directory-missing": usage("a `-C` directory that does not exist"),
  "not-a-checkout": usage("a command that reads git history run outside a git checkout"),
  "report-unreadable": usage("a `dashboard --report` file or glob that cannot be read"),
  "not-a-drift-report": usage("a `dashboard --report` file that is not `drift --json` output"),
  "not-a-learn-report": usage(
    "a `dashboard --learn-report` file that is not `learn --json` output",
  ),
  "shard-reports-inconsistent": usage(
    "`dashboard --report` shard reports that disagree: shard counts, or a project off its shard",
  ),
  "deployment-not-found": usage("`--to-deployment` names no recent successful deployment"),
  "no-previous-deployment": usage("no earlier successful deployment to roll back to"),
  "target-not-ancestor": usage("a rollback target that is not behind what is deployed"),
  "not-a-diagnosis": usage(
    "a `rollback --after-diagnosis` file that is not `doctor --json` output",
  ),
  "target-off-first-parent": usage(
    "a `rollback` target that came in through a merge, not a commit of the branch itself",
  ),
  "bad-version": usage("`publish --release` that is not a version like 1.2.3"),
  "version-not-newer": usage("`publish --release` not newer than the catalog's latest version"),
  "version-skips": usage("`publish --release` that skips versions the catalog expects"),
  "learn-author-unknown": usage(
    "`learn` without conflicts.learning.author or --author, where GitLab's AI Catalog does not " +
      "name the conflict-resolver flow's service account: whose proposals count is unknown",
  ),
  "bad-publish-report": usage(
    "`ci --publish-report` names a file that is not `publish --json` output",
  ),
  "no-downstream": usage("`--to downstream` for commits on no environment branch, or on the last"),
  // Files
  "config-invalid": failure("envsync.yaml has problems; each is in `problems` with its position"),
  "not-found": failure("a file that does not exist"),
  "not-a-file": failure("a path that is a directory, pipe or device, not a file"),
  "read-failed": failure("a file that cannot be read"),
  "too-large": failure("a file larger than EnvSync reads"),
  "write-failed": failure("a file that cannot be written; nothing was changed"),
  "path-refused": failure(
    "a path in the repository that is a symbolic link, or has one on the way, or leads out of it",
  ),
  "file-exists": failure("`init` never overwrites a file"),
  "directory-unreadable": failure("a directory EnvSync may not read"),
  "schema-stale": failure("`schema --check`: the JSON Schema file is stale"),
  "flows-stale": failure("the compiled flows differ from envsync.yaml; run `envsync build`"),
  "flows-invalid": failure("a compiled flow that GitLab's flow schema or EnvSync's rules refuse"),
  "templates-unreadable": failure("a `--templates` directory that cannot be read"),
  "templates-missing": failure(
    "a command that needs EnvSync's templates run from the one-file runtime, which has none",
  ),
  "template-failed": failure("a template that does not compile or render"),
  "prompt-missing": failure("a flow template that names a prompt template that does not exist"),
  "ci-file-invalid": failure("`.gitlab-ci.yml` or agent-config.yml that cannot be edited safely"),
  "no-layout": failure("`init` found fewer than two environment branches"),
  "runtime-missing": failure("this EnvSync was built without its one-file runtime for flow jobs"),
  // git
  "git-missing": failure("git is not installed or not on PATH"),
  "git-failed": failure("a git command failed; git's own message follows"),
  "git-output": failure("git answered with something EnvSync cannot read"),
  "git-fetch-failed": failure("history a command needs could not be fetched from origin"),
  "shallow-history": failure("a shallow clone lacks the history a command needs"),
  "branch-not-found": failure("an environment branch that is neither local nor on origin"),
  "not-a-commit": failure("a revision that is not a commit in the repository"),
  "branch-exists": failure("the branch a cherry-pick or rollback would create already exists"),
  "deployed-not-on-branch": failure(
    "`rollback --via revert` when what is deployed is not in the environment branch's history",
  ),
  "pick-failed": failure("`git cherry-pick` failed without a conflict to resolve"),
  "mr-not-merged": failure("`cherry-pick !IID` of a merge request that is not merged"),
  "regenerate-failed": failure("a conflict rule's regenerate command failed"),
  "config-changed": failure("a conflict rule's command changed git's configuration"),
  // GitLab
  "gitlab-no-token": failure("no GitLab token in the environment for a command that needs one"),
  "gitlab-instance-unnamed": failure(
    "a token and an instance named only by the origin remote (not gitlab.com): set GITLAB_URL",
  ),
  "gitlab-url-invalid": failure("GITLAB_URL (or the instance's address) is not a URL"),
  "gitlab-unreachable": failure("GitLab did not answer (network, timeout)"),
  "gitlab-unauthorized": failure("GitLab rejected the token (401)"),
  "gitlab-forbidden": failure("the token may not do this (403)"),
  "gitlab-not-found": failure("GitLab has no such project, group or object, or hides it (404)"),
  "gitlab-rate-limited": failure("GitLab's rate limit held after the retries (429)"),
  "gitlab-http": failure("GitLab answered with another HTTP error"),
  "gitlab-api": failure("GitLab answered a GraphQL request or mutation with errors"),
  "gitlab-answer-invalid": failure("GitLab's answer is not JSON, or not in the shape expected"),
  "project-not-found": failure("the project GitLab was asked about does not exist or is hidden"),
  "catalog-not-configured": failure("`publish` without `catalog.group` and `catalog.project`"),
  "duplicate-items": failure("several AI Catalog items have the name EnvSync publishes under"),
  "tool-unavailable": failure("this GitLab offers no built-in tool a flow needs"),
  "flow-not-enabled": failure("the flow `notify` would start is not enabled in the project"),
  "no-service-account": failure("the enabled flow has no service account to mention"),
  "token-not-a-person": failure(
    "GitLab starts flows only for people: a bot's, a flow job's or a CI job's token starts none",
  ),
  "token-lacks-scope": failure("the token's scopes do not reach what the command must do"),
  // The process
  interrupted: {
    exit: ExitCode.interrupted,
    doc: "interrupted (Ctrl-C); work under way was cleaned up",
  },
  internal: failure("a bug in EnvSync: please report it with the command you ran"),
} as const satisfies Record<string, CodeFacts>;

export type ErrorCode = keyof typeof ERROR_CODES;
