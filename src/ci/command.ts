import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { loadConfig } from "../config/load.js";
import type { CommandContext } from "../context.js";
import { EnvsyncError, ExitCode } from "../errors.js";
import {
  readTextIfExists,
  readTextInside,
  writeFilesInside,
  type FileToWrite,
} from "../output/files.js";
import { json } from "../output/io.js";
import { envsyncVersion } from "../version.js";
import {
  agentConfig,
  installedVersion,
  mergeAgentConfig,
  RUNTIME_FILE,
  runtimeVersion,
} from "./agent-config.js";
import { packageRoot } from "../package-root.js";
import { requireCheckout } from "../git/checkout.js";
import type { ResolvedConfig } from "../config/types.js";
import { openGitLab, type GitLabNeeds } from "../gitlab/access.js";
import { tokenIdentity } from "../gitlab/identity.js";
import { table } from "../output/table.js";
import { capabilities } from "./token-check.js";
import { addIncludes, ciSetup, removeIncludes } from "./setup.js";
import { bridgePlan } from "./bridges.js";
import { botInitiators, initiatorMessage } from "../gitlab/initiators.js";
import type { CiOptions } from "./cli.js";

const AGENT_CONFIG = join(".gitlab", "duo", "agent-config.yml");

/** Runs `edit` on a file's text, turning its complaint into an error that names the file. */
function edited<T>(file: string, edit: () => T): T {
  try {
    return edit();
  } catch (error) {
    throw new EnvsyncError(
      "ci-file-invalid",
      `${file}: ${(error as Error).message}; nothing was changed`,
    );
  }
}

export async function ciCommand(
  options: CiOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
): Promise<number> {
  const { io } = ctx;
  const { config } = await loadConfig(options.config);
  if (options.check) return checkToken(options, ctx, config);
  const writing = Boolean(options.write && !options.dryRun);
  // The files are committed: written anywhere else, they reach no job.
  if (options.write) await requireCheckout(options.repo, ctx.env);
  const version = envsyncVersion();
  // The component reads the config relative to the repository a job checks out.
  const configPath = repoRelative(options.repo, options.config);
  if (!configPath)
    io.stderr(
      `note: ${options.config} is outside the repository ${options.repo}; CI jobs will read ` +
        "the repository's own envsync.yaml\n",
    );
  const bridges = await bridgePlan(config, ctx, {
    repo: options.repo,
    publishReport: options.publishReport,
  });
  if (bridges.warning) io.stderr(`warning: ${bridges.warning}\n`);
  const setup = ciSetup(config, {
    components: options.components,
    version,
    configPath: configPath ?? "envsync.yaml",
    bridges: bridges.needed,
  });
  // A bridge a native trigger replaced: its include goes, if EnvSync's component is there.
  const replaced = ["pipeline-doctor", "drift-check"]
    .filter((b) => !bridges.needed.includes(b as never))
    .map((b) => `$CI_SERVER_FQDN/${options.components}/${b}@${version}`);
  const ciFile = join(options.repo, ".gitlab-ci.yml");
  const agentFile = join(options.repo, AGENT_CONFIG);
  const runtimeFile = join(options.repo, RUNTIME_FILE);
  const [ciText, agentText, committedRuntime] = await Promise.all([
    readTextInside(options.repo, ciFile),
    readTextInside(options.repo, agentFile),
    options.runtime === "file" ? readTextInside(options.repo, runtimeFile) : undefined,
  ]);
  const desired = agentConfig(version, options.components, options.runtime);
  const agent = edited(agentFile, () => mergeAgentConfig(agentText, desired));
  const runtime =
    options.runtime === "file"
      ? await runtimeWrite(runtimeFile, committedRuntime, version)
      : undefined;
  // The flows were compiled for this version: a runtime that installs another one gives them a
  // CLI whose JSON they do not expect.
  const onDisk =
    options.runtime === "file" ? runtimeVersion(committedRuntime) : installedVersion(agentText);
  const warning =
    onDisk && onDisk !== version
      ? `${options.runtime === "file" ? runtimeFile : agentFile} ${options.runtime === "file" ? "is" : "installs"} envsync@${onDisk}, but the flows are compiled for ${version}; run \`envsync ci --write\``
      : undefined;
  if (warning) io.stderr(`warning: ${warning}\n`);

  let includes: { text: string; added: string[]; removed: string[] } | undefined;
  if (options.write || options.dryRun) {
    const added = edited(ciFile, () => addIncludes(ciText, setup.includes));
    const trimmed = edited(ciFile, () => removeIncludes(added.text, replaced));
    includes = { text: trimmed.text ?? added.text, added: added.added, removed: trimmed.removed };
    const writes: FileToWrite[] = [];
    if (includes.added.length > 0 || includes.removed.length > 0)
      writes.push({ path: ciFile, content: includes.text });
    if (agent.changed.length > 0) writes.push({ path: agentFile, content: agent.text });
    if (runtime?.stale) writes.push({ path: runtimeFile, content: runtime.content });
    // --dry-run wins over --write: it shows what would change and writes nothing.
    if (writing && writes.length > 0) await writeFilesInside(options.repo, writes);
    if (options.dryRun && !options.json) {
      const { createTwoFilesPatch } = await import("diff");
      const before = new Map([
        [ciFile, ciText ?? ""],
        [agentFile, agentText ?? ""],
      ]);
      for (const w of writes)
        if (before.has(w.path))
          io.stdout(createTwoFilesPatch(w.path, w.path, before.get(w.path)!, w.content, "", ""));
    }
  }
  const agentReport = {
    file: agentFile,
    content: agent.text,
    changed: agent.changed,
    installs: onDisk ?? null,
    written: Boolean(writing && agent.changed.length > 0),
    ...(warning ? { warning } : {}),
  };
  const runtimeReport = runtime && {
    file: runtimeFile,
    version,
    bytes: Buffer.byteLength(runtime.content),
    committed: runtimeVersion(committedRuntime) ?? null,
    stale: runtime.stale,
    written: Boolean(writing && runtime.stale),
  };
  if (options.json) {
    io.stdout(
      json({
        ...setup,
        bridges: { needed: bridges.needed, source: bridges.source, reasons: bridges.reasons },
        agent_config: agentReport,
        ...(runtimeReport ? { runtime: runtimeReport } : {}),
        ...(includes
          ? {
              file: ciFile,
              added: includes.added,
              removed: includes.removed,
              written: Boolean(writing && includes.added.length + includes.removed.length > 0),
            }
          : {}),
      }),
    );
    return ExitCode.ok;
  }
  const lines = [
    "Add to .gitlab-ci.yml:",
    "",
    "include:",
    ...setup.includes.map(
      (i) =>
        `  - component: ${i.component}` +
        (i.inputs
          ? `\n    inputs:${Object.entries(i.inputs)
              .map(([key, value]) => `\n      ${key}: ${JSON.stringify(value)}`)
              .join("")}`
          : ""),
    ),
    "",
    ...(bridges.reasons["pipeline-doctor"]
      ? [
          `Pipeline doctor bridge: ${bridges.needed.includes("pipeline-doctor") ? "needed" : "not needed"} (${bridges.reasons["pipeline-doctor"]}).`,
          "",
        ]
      : []),
    "Create the CI/CD variable (Settings > CI/CD > Variables):",
    ...setup.variables.map(
      (v) => `  ${v.name}: ${v.value} (masked${v.protected ? ", protected" : ""})`,
    ),
    "",
    "Create the pipeline schedule (Build > Pipeline schedules > New schedule):",
    `  description: ${setup.schedule.description}`,
    `  interval: ${setup.schedule.cron}`,
    `  target branch: ${setup.schedule.target_branch}`,
    "",
    `The runtime of the flows, ${AGENT_CONFIG} (on the default branch):`,
    "",
    ...agent.text
      .trimEnd()
      .split("\n")
      .map((l) => `  ${l}`),
    "",
  ];
  if (includes) {
    lines.push(
      includes.added.length === 0
        ? `${ciFile} already includes ${setup.includes.length === 1 ? "the component" : setup.includes.length === 2 ? "both components" : `all ${setup.includes.length} components`}.`
        : `${writing ? "Added" : "Would add"} ${includes.added.length} include${includes.added.length === 1 ? "" : "s"} to ${ciFile}.`,
      agent.changed.length === 0
        ? `${agentFile} already sets up envsync@${version}.`
        : `${writing ? "Set" : "Would set"} ${agent.changed.join(", ")} in ${agentFile}.`,
    );
    if (includes.removed.length > 0)
      lines.push(
        `${writing ? "Removed" : "Would remove"} ${includes.removed.join(", ")} from ${ciFile}: GitLab's trigger starts the flow.`,
      );
    if (runtimeReport)
      lines.push(
        runtimeReport.stale
          ? `${writing ? "Wrote" : "Would write"} ${runtimeFile} (envsync ${version}, ${Math.round(runtimeReport.bytes / 1024)} KiB; commit it).`
          : `${runtimeFile} is envsync ${version}.`,
      );
  }
  io.stdout(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}

/**
 * The runtime file this EnvSync ships (built with it), and whether the committed one differs. A
 * runtime file that says another version, or differs byte for byte, is stale.
 */
async function runtimeWrite(
  file: string,
  committed: string | undefined,
  version: string,
): Promise<{ content: string; stale: boolean }> {
  const shipped = join(packageRoot(), "dist", "envsync-runtime.mjs");
  const content = await readTextIfExists(shipped);
  if (content === undefined || runtimeVersion(content) !== version)
    throw new EnvsyncError("runtime-missing", `${shipped} is missing or not envsync ${version}`, {
      hint: "build EnvSync (`npm run build`), or use --runtime registry",
    });
  return { content, stale: committed !== content };
}

/** Any token will do for asking GitLab what it is. */
const ASK: GitLabNeeds = { scope: "read_api", jobToken: true };

async function checkToken(
  options: CiOptions,
  ctx: Pick<CommandContext, "io" | "env" | "http">,
  config: ResolvedConfig,
): Promise<number> {
  const gitlab = await openGitLab(ctx, ASK, { repo: options.repo, config });
  const identity = await tokenIdentity(gitlab);
  const commands = capabilities(identity);
  // GitLab's triggers start flows only for people: bots that start this project's pipelines.
  const initiators =
    // Only an access token reads schedules; a job's or a flow's token is not asked to.
    gitlab.project &&
    config.pipeline_doctor.enabled &&
    (identity.kind === "person" || identity.kind === "bot")
      ? await botInitiators(
          gitlab,
          gitlab.project,
          config.environments.map((e) => e.branch),
        ).catch((error: unknown) => {
          if (error instanceof EnvsyncError) return [];
          throw error;
        })
      : [];
  if (options.json)
    ctx.io.stdout(json({ host: gitlab.baseUrl, token: identity, commands, initiators }));
  else {
    const who = identity.username ? ` (${identity.username})` : "";
    ctx.io.stdout(
      `token: ${identity.kind}${who}, scopes ${identity.scopes.join(", ") || "none"}\n` +
        table(
          ["command", "runs", "detail"],
          commands.map((c) => [c.command, c.verdict, c.detail]),
        ),
    );
  }
  if (!options.json) for (const w of initiators) ctx.io.stdout(`warning: ${initiatorMessage(w)}\n`);
  return commands.every((c) => c.verdict === "full") && initiators.length === 0
    ? ExitCode.ok
    : ExitCode.findings;
}

/**
 * The config's path as a CI job sees it: relative to the repository root (`-C DIR`), with `/`.
 * A config outside the repository cannot be named to a job, which reads the repository's own
 * envsync.yaml instead: undefined, and the caller says so.
 */
function repoRelative(repo: string, config: string): string | undefined {
  const path = relative(resolve(repo), resolve(config));
  if (path === "" || path.startsWith("..") || isAbsolute(path)) return undefined;
  return path.split(sep).join("/");
}
