/**
 * What a project adds to use EnvSync's CI bridges: two component includes, one masked variable, one
 * pipeline schedule, and the edit of .gitlab-ci.yml that adds the includes without disturbing
 * anything else (comments, order and other includes stay).
 */
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Document } from "yaml";
import type { ResolvedConfig } from "../config/types.js";

export interface CiSetup {
  includes: { component: string; inputs?: Record<string, string> }[];
  variables: { name: string; value: string; masked: boolean; protected: boolean }[];
  schedule: { description: string; cron: string; target_branch: string };
}

export function ciSetup(
  config: ResolvedConfig,
  options: {
    components: string;
    version: string;
    configPath: string;
    /** The bridges still needed (default both): a native trigger replaces the doctor's. */
    bridges?: readonly string[];
  },
): CiSetup {
  // triggers.drift_check `commit`: the drift check also runs after a commit to these branches.
  const commitBranches = config.triggers.drift_check.includes("commit")
    ? commitBranchesInput(config.environments.map((e) => e.branch))
    : undefined;
  const inputsOf = (name: string): { inputs?: Record<string, string> } => {
    const inputs: Record<string, string> = {};
    if (options.configPath !== "envsync.yaml") inputs.config = options.configPath;
    if (name === "drift-check" && commitBranches) inputs.commit_branches = commitBranches;
    return Object.keys(inputs).length > 0 ? { inputs } : {};
  };
  const chainEnd = config.environments.find((e) => e.name === config.promotion.chain.at(-1));
  // Declared protection brings the manual job that applies it (`envsync protect`).
  const protects = config.environments.some((e) => e.protection);
  return {
    includes: [
      ...(options.bridges ?? ["pipeline-doctor", "drift-check"]),
      ...(protects ? ["protect"] : []),
    ].map((name) => ({
      component: `$CI_SERVER_FQDN/${options.components}/${name}@${options.version}`,
      ...inputsOf(name),
    })),
    variables: [
      {
        name: "ENVSYNC_GITLAB_TOKEN",
        value:
          "a person's personal access token with the api scope (GitLab starts no flow for a bot)",
        masked: true,
        protected: false,
      },
      ...(protects
        ? [
            {
              name: "ENVSYNC_PROTECT_TOKEN",
              value:
                "a Maintainer's access token with the api scope (project access token with the " +
                "Maintainer role will do), for the manual protect job on the default branch",
              masked: true,
              protected: true,
            },
          ]
        : []),
    ],
    schedule: {
      description: "EnvSync drift check",
      cron: config.drift.schedule,
      target_branch: chainEnd?.branch ?? "main",
    },
  };
}

/**
 * The drift-check component's `commit_branches`: `a|b|c`, each branch escaped for the regex literal
 * of the job's rule (`.` and `/`). The input's own regex takes nothing else, so a branch with any
 * other character cannot be listed (envsync.yaml's branch names rarely have one).
 */
export function commitBranchesInput(branches: readonly string[]): string | undefined {
  const listed = [...new Set(branches)]
    .filter((branch) => /^[A-Za-z0-9_./-]+$/.test(branch))
    .map((branch) => branch.replace(/[./]/g, (c) => `\\${c}`));
  return listed.length > 0 ? listed.join("|") : undefined;
}

/**
 * Edits YAML text with LF line ends and gives the result the file's own: a file whose lines end in
 * CRLF keeps them (and an unchanged text comes back as it was).
 */
export function keepingLineEnds<T extends { text: string }>(
  text: string | undefined,
  edit: (text: string | undefined) => T,
): T {
  if (text === undefined || !text.includes("\r\n")) return edit(text);
  const result = edit(text.replace(/\r\n/g, "\n"));
  return { ...result, text: result.text.replace(/\r?\n/g, "\r\n") };
}

/** Adds the includes to the CI file text; returns the new text and the includes that were added. */
export function addIncludes(
  text: string | undefined,
  includes: CiSetup["includes"],
): { text: string; added: string[] } {
  const result = keepingLineEnds(text, (lf) => addIncludesLf(lf, includes));
  return text !== undefined && result.added.length === 0 ? { text, added: [] } : result;
}

function addIncludesLf(
  text: string | undefined,
  includes: CiSetup["includes"],
): { text: string; added: string[] } {
  const doc = editableDocument(text === undefined || text.trim() === "" ? "{}" : text);
  if (!isMap(doc.contents)) throw new Error("must be a mapping of keys at the top level");
  const existing = doc.get("include", true);
  let list: YAMLSeq;
  if (existing === undefined) {
    list = new YAMLSeq();
    // `include` reads best first, before the jobs. The comment the file starts with stays at the
    // top: written right above the first key, it belongs to that key, and moves to the include.
    const pair = doc.createPair("include", list);
    const first = doc.contents.items[0]?.key;
    if (isScalar(first) && first.commentBefore !== undefined && isScalar(pair.key)) {
      pair.key.commentBefore = first.commentBefore;
      pair.key.spaceBefore = first.spaceBefore;
      first.commentBefore = undefined;
      first.spaceBefore = undefined;
    }
    doc.contents.items.unshift(pair);
  } else if (isSeq(existing)) {
    list = existing;
  } else {
    list = new YAMLSeq();
    list.items.push(existing);
    doc.set("include", list);
  }
  const present = list.items.map((item) => {
    const value = isScalar(item)
      ? String(item.value)
      : isMap(item)
        ? includeTarget(item.get("component") ?? item.get("local") ?? item.get("template"))
        : "";
    return value.replace(/@[^@/]*$/, "");
  });
  const added: string[] = [];
  for (const include of includes) {
    const at = present.indexOf(include.component.replace(/@[^@/]*$/, ""));
    if (at >= 0) {
      // Already included: the version and the inputs stay the user's, except commit_branches,
      // which triggers.drift_check gaining `commit` needs, set where it is missing.
      const item = list.items[at];
      const missing = Object.entries(include.inputs ?? {}).filter(
        ([key]) => key === "commit_branches" && isMap(item) && !item.hasIn(["inputs", key]),
      );
      if (isMap(item) && missing.length > 0) {
        for (const [key, value] of missing) item.setIn(["inputs", key], value);
        added.push(include.component);
      }
      continue;
    }
    list.items.push(doc.createNode(include));
    added.push(include.component);
  }
  if (text !== undefined && added.length === 0) return { text, added };
  return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), added };
}

/**
 * Removes the includes of `components` (compared without their @version) from the CI file text,
 * keeping everything else; returns the new text and what was removed.
 */
export function removeIncludes(
  text: string | undefined,
  components: readonly string[],
): { text: string | undefined; removed: string[] } {
  if (text === undefined || components.length === 0) return { text, removed: [] };
  const result = keepingLineEnds(text, (lf) => {
    const doc = editableDocument(lf === undefined || lf.trim() === "" ? "{}" : lf);
    const list = doc.get("include", true);
    if (!isSeq(list)) return { text: lf ?? "", removed: [] as string[] };
    const unversioned = components.map((c) => c.replace(/@[^@/]*$/, ""));
    const removed: string[] = [];
    list.items = list.items.filter((item) => {
      const target = isMap(item) ? includeTarget(item.get("component")) : "";
      const hit = target !== "" && unversioned.includes(target.replace(/@[^@/]*$/, ""));
      if (hit) removed.push(target);
      return !hit;
    });
    if (removed.length === 0) return { text: lf ?? "", removed };
    if (list.items.length === 0) doc.delete("include");
    return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), removed };
  });
  return result.removed.length === 0 ? { text, removed: [] } : result;
}

/** What an include entry points at; a non-string (a mistake in the file) matches nothing. */
function includeTarget(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * A YAML file to edit in place (comments and layout kept); a file that does not parse is refused
 * with the position, so nothing is written over it.
 */
export function editableDocument(text: string): Document {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new Error(
      `does not parse${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${error.message.split(" at line")[0]}`,
    );
  }
  if (!isMap(doc.contents)) throw new Error("must be a mapping of keys at the top level");
  return doc;
}
