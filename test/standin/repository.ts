/**
 * Repository endpoints of the stand-in, answered from a real git repository attached to a project:
 * compare, a commit's diff, branches. Shapes follow GitLab's REST documentation (Repositories and
 * Commits APIs).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitLabStandin } from "./server.js";

interface DiffEntry {
  old_path: string;
  new_path: string;
  a_mode: string;
  b_mode: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  diff: string;
  collapsed: boolean;
  too_large: boolean;
}

/**
 * GitLab's `diff_max_patch_bytes` default (200 KiB): a file's diff over it comes back empty, marked
 * `too_large` (and `collapsed`), as GitLab answers for large or generated files.
 */
const DIFF_MAX_PATCH_BYTES = 200 * 1024;

export function attachRepositoryRoutes(standin: GitLabStandin): void {
  const repos = standin.state.repositories;
  const cache = standin.state.gitCache;
  const git = (projectId: number, args: string[]) => {
    const dir = repos.get(projectId)!;
    const key = `${dir}\0${args.join("\0")}`;
    // The benchmark attaches one repository to many projects; caching keeps git off its clock.
    if (standin.state.cacheGit && cache.has(key)) return cache.get(key)!;
    // git's complaints (a file missing at a ref) become GitLab's 404, not lines in the test log.
    const out = execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      maxBuffer: 1 << 28,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (standin.state.cacheGit) cache.set(key, out);
    return out;
  };
  const projectOf = (param: string) => standin.state.project(decodeURIComponent(param));
  const resolve = (projectId: number, ref: string) => {
    try {
      return git(projectId, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
    } catch {
      return undefined;
    }
  };
  const commitJson = (projectId: number, range: string[]) => {
    const out = git(projectId, [
      "log",
      "--reverse",
      "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%cI%x1f%s%x1f%B%x1e",
      ...range,
      "--",
    ]);
    return out
      .split("\x1e")
      .map((r) => r.replace(/^\n/, ""))
      .filter(Boolean)
      .map((r) => {
        const [
          id,
          parents,
          author_name,
          author_email,
          authored_date,
          committer_name,
          committed_date,
          title,
          message,
        ] = r.split("\x1f");
        return {
          id,
          short_id: id!.slice(0, 8),
          title,
          message,
          author_name,
          author_email,
          authored_date,
          committer_name,
          committed_date,
          created_at: committed_date,
          parent_ids: parents ? parents.split(" ") : [],
        };
      });
  };

  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/repository\/compare$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project || !repos.has(project.id))
      return { status: 404, body: { message: "404 Project Not Found" } };
    const from = req.query.get("from") ?? "";
    const to = req.query.get("to") ?? "";
    const fromSha = resolve(project.id, from);
    const toSha = resolve(project.id, to);
    if (!fromSha || !toSha) return { status: 404, body: { message: "404 Ref Not Found" } };
    const straight = req.query.get("straight") === "true";
    const commits = commitJson(project.id, [`${fromSha}..${toSha}`]);
    const diffs = diffEntries(
      git(project.id, [
        "diff",
        "-M",
        "--no-color",
        straight ? fromSha : `${fromSha}...${toSha}`,
        ...(straight ? [toSha] : []),
      ]),
    );
    return {
      status: 200,
      body: {
        commit: commits.at(-1) ?? null,
        commits,
        diffs,
        compare_timeout: false,
        compare_same_ref: fromSha === toSha,
        web_url: `${standin.url}/${project.fullPath}/-/compare/${from}...${to}`,
      },
    };
  });

  // A branch with its head commit.
  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/repository\/branches\/([^/]+)$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project || !repos.has(project.id))
      return { status: 404, body: { message: "404 Project Not Found" } };
    const name = decodeURIComponent(req.params[1]!);
    const sha = resolve(project.id, `refs/heads/${name}`);
    if (!sha) return { status: 404, body: { message: "404 Branch Not Found" } };
    const commit = commitJson(project.id, ["-1", sha])[0]!;
    return {
      status: 200,
      body: {
        name,
        commit: { ...commit, web_url: `${standin.url}/${project.fullPath}/-/commit/${sha}` },
      },
    };
  });

  // A file's raw text at a ref, as GitLab serves it: 404 for a missing ref or file.
  standin.route("GET", /^\/api\/v4\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project || !repos.has(project.id))
      return { status: 404, body: { message: "404 Project Not Found" } };
    const ref = req.query.get("ref") ?? project.defaultBranch;
    const path = decodeURIComponent(req.params[1]!);
    const sha = resolve(project.id, ref);
    if (!sha) return { status: 404, body: { message: "404 File Not Found" } };
    try {
      const text = git(project.id, ["show", `${sha}:${path}`]);
      return { status: 200, body: text, headers: { "content-type": "text/plain" } };
    } catch {
      return { status: 404, body: { message: "404 File Not Found" } };
    }
  });

  standin.route(
    "GET",
    /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([0-9a-f]{7,40})\/diff$/,
    (req) => {
      const project = projectOf(req.params[0]!);
      if (!project || !repos.has(project.id))
        return { status: 404, body: { message: "404 Project Not Found" } };
      if (!resolve(project.id, req.params[1]!))
        return { status: 404, body: { message: "404 Commit Not Found" } };
      return {
        status: 200,
        body: diffEntries(
          git(project.id, ["show", "-M", "--no-color", "--format=", req.params[1]!]),
        ),
      };
    },
  );

  // One commit of file actions onto a branch, as GitLab's Commits API makes it: `start_sha` or
  // `start_branch` start a new branch, and on an existing one only with `force` (which overwrites
  // it). Actions are checked against the tree they apply to, as GitLab checks them.
  standin.route("POST", /^\/api\/v4\/projects\/([^/]+)\/repository\/commits$/, (req) => {
    const project = projectOf(req.params[0]!);
    if (!project || !repos.has(project.id))
      return { status: 404, body: { message: "404 Project Not Found" } };
    const body = (req.body ?? {}) as {
      branch?: string;
      commit_message?: string;
      start_sha?: string;
      start_branch?: string;
      force?: boolean;
      actions?: { action: string; file_path: string; content?: string; encoding?: string }[];
    };
    for (const field of ["branch", "commit_message", "actions"] as const)
      if (!body[field]) return { status: 400, body: { error: `${field} is missing` } };
    if (body.start_sha && body.start_branch)
      return { status: 400, body: { error: "start_branch, start_sha are mutually exclusive" } };
    const existing = resolve(project.id, `refs/heads/${body.branch}`);
    const starting = body.start_sha ?? body.start_branch;
    if (existing && starting && !body.force)
      return {
        status: 400,
        body: {
          message: `A branch called '${body.branch}' already exists. Switch to that branch in order to make changes`,
        },
      };
    const base = starting
      ? resolve(project.id, body.start_sha ?? `refs/heads/${body.start_branch}`)
      : existing;
    if (!base)
      return {
        status: 400,
        body: { message: "You can only create or edit files when you are on a branch" },
      };
    const dir = repos.get(project.id)!;
    const scratch = mkdtempSync(join(tmpdir(), "standin-index-"));
    const plumbing = (args: string[], input?: string) =>
      execFileSync("git", args, {
        cwd: dir,
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
        env: {
          ...process.env,
          GIT_INDEX_FILE: join(scratch, "index"),
          GIT_AUTHOR_NAME: "EnvSync Bot",
          GIT_AUTHOR_EMAIL: "envsync@example.com",
          GIT_COMMITTER_NAME: "EnvSync Bot",
          GIT_COMMITTER_EMAIL: "envsync@example.com",
        },
      }).trim();
    try {
      plumbing(["read-tree", base]);
      const present = (path: string) => plumbing(["ls-files", "--", path]) !== "";
      for (const action of body.actions!) {
        const path = action.file_path;
        if (action.action === "create" && present(path))
          return { status: 400, body: { message: "A file with this name already exists" } };
        if (["update", "delete"].includes(action.action) && !present(path))
          return { status: 400, body: { message: "A file with this name doesn't exist" } };
        if (action.action === "delete") {
          plumbing(["update-index", "--force-remove", "--", path]);
          continue;
        }
        if (!["create", "update"].includes(action.action))
          return { status: 400, body: { error: "actions[0][action] does not have a valid value" } };
        const content =
          action.encoding === "base64"
            ? Buffer.from(action.content ?? "", "base64").toString("utf8")
            : (action.content ?? "");
        const blob = plumbing(["hash-object", "-w", "--stdin"], content);
        plumbing(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
      }
      const tree = plumbing(["write-tree"]);
      const sha = plumbing(["commit-tree", tree, "-p", base, "-m", body.commit_message!]);
      plumbing(["update-ref", `refs/heads/${body.branch}`, sha]);
      cache.clear();
      return { status: 201, body: commitJson(project.id, ["-1", sha])[0]! };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}

/** Splits `git diff` output into GitLab's per-file diff objects. */
function diffEntries(patch: string): DiffEntry[] {
  const entries: DiffEntry[] = [];
  for (const chunk of patch.split(/^(?=diff --git )/m).filter((c) => c.startsWith("diff --git "))) {
    const header = /^diff --git a\/(.+?) b\/(.+)$/m.exec(chunk)!;
    const lines = chunk.split("\n");
    const hunkStart = lines.findIndex((l) => l.startsWith("@@"));
    const renameFrom = /^rename from (.+)$/m.exec(chunk)?.[1];
    const renameTo = /^rename to (.+)$/m.exec(chunk)?.[1];
    const diff = hunkStart >= 0 ? `${lines.slice(hunkStart).join("\n")}` : "";
    const tooLarge = Buffer.byteLength(diff) > DIFF_MAX_PATCH_BYTES;
    entries.push({
      old_path: renameFrom ?? header[1]!,
      new_path: renameTo ?? header[2]!,
      a_mode: /^(?:old|deleted file) mode (\d+)$/m.exec(chunk)?.[1] ?? "100644",
      b_mode: /^(?:new|new file) mode (\d+)$/m.exec(chunk)?.[1] ?? "100644",
      new_file: /^new file mode/m.test(chunk),
      renamed_file: Boolean(renameFrom),
      deleted_file: /^deleted file mode/m.test(chunk),
      diff: tooLarge ? "" : diff,
      collapsed: tooLarge,
      too_large: tooLarge,
    });
  }
  return entries;
}
