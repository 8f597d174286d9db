/**
 * Git over HTTP on the stand-in's own origin, as GitLab serves it: `<project path>.git/info/refs`,
 * `git-upload-pack` and `git-receive-pack`, answered by the real `git http-backend` for the
 * repository attached to the project. Every request needs HTTP basic authentication with the
 * given user name and the stand-in's token as password, and is refused with 401 and a Basic
 * challenge otherwise, so a client that sends no credentials (or sends them elsewhere) fails.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";
import type { GitLabStandin } from "./server.js";

const GIT_PATH = /^\/(.+?)\.git(\/info\/refs|\/git-upload-pack|\/git-receive-pack)$/;

export interface GitHttpLog {
  path: string;
  /** Whether the request carried an Authorization header at all. */
  credentials: boolean;
  status: number;
}

export function attachGitHttp(
  standin: GitLabStandin,
  options: {
    user: string;
    /** Other credentials it takes, such as a CI job's (`gitlab-ci-token` and the job token). */
    also?: readonly { user: string; password: string }[];
  },
): GitHttpLog[] {
  const log: GitHttpLog[] = [];
  standin.gitHttp = (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = GIT_PATH.exec(url.pathname);
    if (!match) return false;
    const credentials = req.headers.authorization !== undefined;
    const project = standin.state.project(match[1]!);
    const dir = project && standin.state.repositories.get(project.id);
    if (!dir) {
      log.push({ path: url.pathname, credentials, status: 404 });
      res.writeHead(404, { "content-type": "text/plain" }).end("The project could not be found");
      return true;
    }
    const sent = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const accepted = [{ user: options.user, password: standin.token }, ...(options.also ?? [])].map(
      ({ user, password }) => Buffer.from(`${user}:${password}`).toString("base64"),
    );
    if (sent === undefined || !accepted.includes(sent)) {
      log.push({ path: url.pathname, credentials, status: 401 });
      res
        .writeHead(401, {
          "www-authenticate": 'Basic realm="GitLab"',
          "content-type": "text/plain",
        })
        .end("HTTP Basic: Access denied");
      return true;
    }
    log.push({ path: url.pathname, credentials, status: 200 });
    serveWithBackend(req, res, dir, match[2]!, url.search.slice(1), options.user);
    return true;
  };
  return log;
}

/** Runs `git http-backend` as a CGI program for one request, streaming both ways. */
function serveWithBackend(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  service: string,
  query: string,
  user: string,
): void {
  const backend = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "",
      GIT_PROJECT_ROOT: dirname(dir),
      PATH_INFO: `/${basename(dir)}${service}`,
      GIT_HTTP_EXPORT_ALL: "1",
      // A user is what lets http-backend accept pushes.
      REMOTE_USER: user,
      REMOTE_ADDR: "127.0.0.1",
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: query,
      CONTENT_TYPE: String(req.headers["content-type"] ?? ""),
      ...(req.headers["content-length"]
        ? { CONTENT_LENGTH: String(req.headers["content-length"]) }
        : {}),
      ...(req.headers["content-encoding"]
        ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) }
        : {}),
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  backend.on("error", (error) => {
    // No `git http-backend` on this machine: say so in the answer the test will show.
    if (!headersSent) res.writeHead(500).end(`git http-backend could not start: ${error.message}`);
  });
  backend.on("close", () => {
    if (res.headersSent) res.end();
    else res.writeHead(500).end("git http-backend failed");
  });
}
