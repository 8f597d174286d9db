/**
 * `.gitlab/duo/agent-config.yml`: the runtime of the GitLab Duo flows of a project (GitLab reads it
 * from the default branch). A flow's job reaches the GitLab instance only. By default EnvSync is a
 * file committed beside it (`.gitlab/duo/envsync.mjs`, the whole CLI in one file) that the setup
 * script puts on PATH: nothing to install from anywhere. Or, with `--runtime registry`, it is
 * installed from the npm registry of the GitLab project that releases it, pinned to the version the
 * flows were compiled with (that install is unauthenticated, so that project must be public).
 */
import { Document, isScalar, isSeq, YAMLSeq } from "yaml";
import { editableDocument, keepingLineEnds } from "./setup.js";

/** An image with Node.js 20.19+ and what GitLab's executor needs (git, wget, tar, chmod). */
export const RUNTIME_IMAGE = "node:20.19.5-bookworm";

/** The npm registry of the GitLab project that releases EnvSync, on the instance the job runs on. */
export function registryUrl(releaseProject: string, base = "${GITLAB_BASE_URL}"): string {
  return `${base}/api/v4/projects/${encodeURIComponent(releaseProject)}/packages/npm/`;
}

/** The one line that installs EnvSync in a job; the version is exact, the install runs no script. */
export function installLine(version: string, releaseProject: string): string {
  return (
    "npm install --global --ignore-scripts --no-audit --no-fund --cache .npm " +
    `--registry "${registryUrl(releaseProject)}" envsync@${version}`
  );
}

/** Where the committed runtime lives in the repository, and the line that puts it on PATH. */
export const RUNTIME_FILE = ".gitlab/duo/envsync.mjs";
/**
 * A flow job checks out its source branch, which may not have the file yet (it reaches a branch
 * with the merges that promote it): the job then goes on without EnvSync, and the prompts say its
 * facts are unavailable, instead of failing to start.
 */
export const RUNTIME_LINE =
  `if [ -f ${RUNTIME_FILE} ]; then install -m 0755 ${RUNTIME_FILE} /usr/local/bin/envsync; ` +
  `else echo "EnvSync: ${RUNTIME_FILE} is not on this branch"; fi`;

export type RuntimeSource = "file" | "registry";

export interface AgentConfig {
  image: string;
  setup_script: string[];
  cache?: { key: string; paths: string[] };
}

export function agentConfig(
  version: string,
  releaseProject: string,
  runtime: RuntimeSource = "file",
): AgentConfig {
  if (runtime === "file") return { image: RUNTIME_IMAGE, setup_script: [RUNTIME_LINE] };
  return {
    image: RUNTIME_IMAGE,
    setup_script: [installLine(version, releaseProject)],
    cache: { key: `envsync-${version}`, paths: [".npm/"] },
  };
}

/**
 * A setup line that installs EnvSync: `npm install … envsync@…` on one line, or the committed
 * runtime. Checked line by line from the first `npm install`, one scan each: a single pattern with
 * `.*` between the two re-scans the rest of the line from every `npm i` in it (quadratic).
 */
const INSTALLS_ENVSYNC = {
  test: (text: string) =>
    text.includes(".gitlab/duo/envsync.mjs") ||
    text.split("\n").some((line) => {
      const npm = line.search(/npm (?:install|i)\b/);
      return npm >= 0 && /\benvsync@/.test(line.slice(npm));
    }),
};

/** The version of a committed runtime file, from its first lines. */
export function runtimeVersion(text: string | undefined): string | undefined {
  return text ? /^\/\/ envsync runtime (\S+?):/m.exec(text.slice(0, 300))?.[1] : undefined;
}

/** The EnvSync version an agent-config.yml installs, if it installs one. */
export function installedVersion(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return /\benvsync@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)/.exec(text)?.[1];
}

/**
 * Merges EnvSync's runtime into an existing file: the install line replaces an older one (or is
 * added), image and cache are set only where the file has none; every other key, value and comment
 * stays. Returns the new text and what changed.
 */
export function mergeAgentConfig(
  text: string | undefined,
  desired: AgentConfig,
): { text: string; changed: string[] } {
  const result = keepingLineEnds(text, (lf) => mergeAgentConfigLf(lf, desired));
  return text !== undefined && result.changed.length === 0 ? { text, changed: [] } : result;
}

function mergeAgentConfigLf(
  text: string | undefined,
  desired: AgentConfig,
): { text: string; changed: string[] } {
  if (text === undefined || text.trim() === "") {
    const doc = new Document(desired);
    doc.commentBefore =
      " Runtime of the GitLab Duo flows in this project (GitLab reads it from the default branch).\n" +
      " EnvSync's lines are kept current by `envsync ci --write`; your own keys stay as they are.";
    return {
      text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }),
      changed: Object.keys(desired),
    };
  }
  const doc = editableDocument(text);
  const changed: string[] = [];
  if (!doc.has("image")) {
    doc.set("image", desired.image);
    changed.push("image");
  }
  const line = desired.setup_script[0]!;
  const script = doc.get("setup_script", true);
  if (script === undefined) {
    doc.set("setup_script", doc.createNode([line]));
    changed.push("setup_script");
  } else {
    const list = isSeq(script) ? script : new YAMLSeq();
    if (!isSeq(script)) {
      list.items.push(script);
      doc.set("setup_script", list);
    }
    const at = list.items.findIndex(
      (item) => isScalar(item) && INSTALLS_ENVSYNC.test(String(item.value)),
    );
    const current = at >= 0 ? String((list.items[at] as { value: unknown }).value) : undefined;
    if (current !== line) {
      if (at >= 0) list.items[at] = doc.createNode(line);
      else list.items.unshift(doc.createNode(line));
      changed.push("setup_script");
    }
  }
  if (desired.cache && !doc.has("cache")) {
    doc.set("cache", doc.createNode(desired.cache));
    changed.push("cache");
  }
  return {
    text: changed.length > 0 ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : text,
    changed,
  };
}
