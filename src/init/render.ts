/** The envsync.yaml `init` writes: the detected environments, commented, and nothing guessed. */
import { Document, isMap, isScalar, isSeq } from "yaml";
import type { DetectedEnvironment } from "./layout.js";
import type { DetectedMigrations } from "./migrations.js";

export function renderConfig(
  environments: readonly DetectedEnvironment[],
  options: { project?: string; sources: string; migrations?: readonly DetectedMigrations[] },
): string {
  const migrations = options.migrations ?? [];
  const doc = new Document({
    version: 1,
    ...(options.project ? { project: options.project } : {}),
    environments: Object.fromEntries(
      environments.map((e) => [
        e.name,
        {
          branch: e.branch,
          ...(e.gitlab_environment ? { gitlab_environment: e.gitlab_environment } : {}),
          ...(e.protected ? { protected: true } : {}),
          ...(e.risk ? { risk: e.risk } : {}),
        },
      ]),
    ),
    ...(migrations.length > 0
      ? { rollback: { migrations: { paths: migrations.map((m) => m.path) } } }
      : {}),
  });
  doc.commentBefore =
    " envsync.yaml, written by `envsync init` from " +
    `${options.sources}.\n Check it, then run \`envsync validate\`. Every key is described in ` +
    "EnvSync's docs/configuration.md.";
  const envs = doc.get("environments", true);
  if (isMap(envs)) {
    envs.commentBefore =
      " In promotion order: changes move from the first to the last. protected: writes into it " +
      "need --confirm." +
      (environments.some((e) => e.risk)
        ? "\n risk: the protection level closest to who may push in GitLab today; " +
          "`envsync protect --dry-run` shows what the level would change."
        : "");
    for (const item of envs.items) if (isMap(item.value)) item.value.flow = true;
  }
  const paths = doc.getIn(["rollback", "migrations", "paths"], true);
  if (isSeq(paths)) {
    const rollback = doc.get("rollback", true);
    if (isMap(rollback))
      rollback.commentBefore =
        " The migration folders in the repository. rollback-check classifies the migrations\n" +
        " changed in them, and reports changed files elsewhere that look like migrations.";
    paths.items.forEach((item, i) => {
      if (isScalar(item)) item.comment = ` ${migrations[i]!.frameworks}`;
    });
  }
  doc.comment =
    " Add when you need them: drift.expected (differences that are fine), conflicts.auto_resolve\n" +
    ` (files resolved by rule), ${migrations.length > 0 ? "" : "rollback.migrations.paths, "}` +
    "promotion.gates, projects[] (a fleet),\n catalog (where `envsync publish` puts the flows).";
  return doc.toString({ lineWidth: 0 });
}
