/**
 * What a token is, as GitLab says: whose it is (a person, a bot acting for a project or group
 * token, a Duo flow job's OAuth token) and its scopes. GitLab starts flows only for people, so the
 * bridges ask before they post or start anything.
 */
import * as z from "zod";
import type { GitLab } from "./access.js";
import { GitLabError } from "./errors.js";
import { parseAnswer, parseJson } from "./answer.js";

export interface TokenIdentity {
  /** person: a human's token; bot: a project or group token; flow-job: a flow job's OAuth token. */
  kind: "person" | "bot" | "flow-job" | "job";
  scopes: string[];
  username?: string;
  /** The user the token acts as: EnvSync's own notes and issues are this user's. */
  userId?: number;
}

const SELF = z.object({ scopes: z.array(z.string()) });
const USER = z.object({
  id: z.number().int().positive(),
  username: z.string(),
  bot: z.boolean().optional(),
});
const OAUTH = z.object({ scopes: z.array(z.string()) });

export async function tokenIdentity(gitlab: Pick<GitLab, "http" | "rest">): Promise<TokenIdentity> {
  const { http } = gitlab;
  if (http.connection.tokenKind === "job_token") return { kind: "job", scopes: [] };
  const get = async <T>(path: string, shape: z.ZodType<T>): Promise<T | undefined> => {
    try {
      const answer = await http.send({ method: "GET", path });
      return parseAnswer(shape, parseJson(answer.text, { ...answer, method: "GET", path }), path);
    } catch (error) {
      if (error instanceof GitLabError && [401, 403, 404].includes(error.status)) return undefined;
      throw error;
    }
  };
  // An access token (a person's, or a project or group bot's) knows its own scopes.
  const self = await get("/api/v4/personal_access_tokens/self", SELF);
  if (self) {
    const user = await get("/api/v4/user", USER);
    return {
      kind: user?.bot ? "bot" : "person",
      scopes: self.scopes,
      ...(user ? { username: user.username, userId: user.id } : {}),
    };
  }
  // Otherwise an OAuth token: Doorkeeper says its scopes. A flow job's token acts for the flow's
  // service account and the person who started it; its scopes say what it is.
  const oauth = await get("/oauth/token/info", OAUTH);
  const scopes = oauth?.scopes ?? [];
  if (scopes.includes("ai_workflows") && !scopes.includes("api"))
    return { kind: "flow-job", scopes };
  const user = await get("/api/v4/user", USER);
  return {
    kind: user?.bot ? "bot" : "person",
    scopes,
    ...(user ? { username: user.username, userId: user.id } : {}),
  };
}

/**
 * The user the token acts as (`GET /user`): what EnvSync wrote is this user's, so its markers and
 * its dashboard issue are told from anyone else's by author.
 */
export async function tokenUser(
  gitlab: Pick<GitLab, "http">,
): Promise<{ id: number; username: string }> {
  const path = "/api/v4/user";
  const answer = await gitlab.http.send({ method: "GET", path });
  const user = parseAnswer(USER, parseJson(answer.text, { ...answer, method: "GET", path }), path);
  return { id: user.id, username: user.username };
}
