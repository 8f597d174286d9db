/**
 * Who starts the pipelines GitLab's triggers react to. GitLab runs a flow only for a human
 * initiator ("cannot be triggered by non-human users"): a pipeline schedule owned by a bot, or the
 * pipelines of an environment branch that a bot pushes or starts, start no flow. Project and group
 * access tokens act as bot users named `project_<id>_bot…` / `group_<id>_bot…`; service accounts
 * are named `service_account…`. GitLab's REST users carry no `bot` flag, so the name tells.
 */
import type { GitLab } from "./access.js";
import { GitLabError } from "./errors.js";
import { LATEST_PIPELINES, PIPELINE_SCHEDULES, PIPELINE_STARTED_BY } from "./rest-operations.js";

const BOT_USERNAME = /^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$|^service_account/;

export function isBotUsername(username: string): boolean {
  return BOT_USERNAME.test(username);
}

export interface InitiatorWarning {
  project: string;
  what: string;
  owner: string;
}

/** Bot-owned schedules of the project, and environment branches whose last pipeline a bot started. */
export async function botInitiators(
  { rest }: Pick<GitLab, "rest">,
  project: string,
  branches: readonly string[],
): Promise<InitiatorWarning[]> {
  const warnings: InitiatorWarning[] = [];
  try {
    for (const schedule of await rest.run(PIPELINE_SCHEDULES, { project }))
      if (schedule.active !== false && schedule.owner && isBotUsername(schedule.owner.username))
        warnings.push({
          project,
          what: `pipeline schedule ${schedule.id}${schedule.description ? ` (${schedule.description})` : ""}`,
          owner: schedule.owner.username,
        });
  } catch (error) {
    // Reading schedules needs Developer; a token that cannot is not a reason to fail a publish.
    if (!(error instanceof GitLabError) || ![403, 404].includes(error.status)) throw error;
  }
  for (const ref of branches) {
    const [last] = await rest.run(LATEST_PIPELINES, { project, ref, limit: 1 });
    if (!last) continue;
    const pipeline = await rest.run(PIPELINE_STARTED_BY, { project, id: last.id });
    if (pipeline.user && isBotUsername(pipeline.user.username))
      warnings.push({
        project,
        what: `the last pipeline on ${ref} (${last.id})`,
        owner: pipeline.user.username,
      });
  }
  return warnings;
}

export function initiatorMessage(w: InitiatorWarning): string {
  return (
    `${w.project}: ${w.what} is started by the bot ${w.owner}; GitLab starts no flow for a ` +
    "bot, so its failures get no diagnosis from a trigger (own schedules by a person, push " +
    "with a person's token, or keep the CI bridge)"
  );
}
