/**
 * Secrets never reach output, in any form: the tokens EnvSync is given and passwords in URL
 * userinfo are replaced wherever they appear, raw, percent-encoded or JSON-escaped (a server can
 * echo a token in a header or body in any of these).
 */
import type { Env } from "../context.js";

const SECRET_NAME = /(TOKEN|PASSWORD|SECRET|PRIVATE_KEY)/i;
const URL_NAMES = [
  "GITLAB_URL",
  "GITLAB_BASE_URL",
  "CI_SERVER_URL",
  "DUO_WORKFLOW_GIT_HTTP_BASE_URL",
];
/** Shorter values are too likely to be ordinary words to be worth hiding. */
const MIN_SECRET_LENGTH = 8;

export function secretsOf(env: Env): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(env))
    if (value && SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
  for (const name of URL_NAMES) {
    const value = env[name];
    if (!value) continue;
    try {
      const url = new URL(value);
      for (const part of [url.password, url.username].map(decodeURIComponent))
        if (part.length >= MIN_SECRET_LENGTH) secrets.add(part);
    } catch {
      // Not a URL: nothing to hide in it.
    }
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * The environment without anything that looks secret, for git and the programs its configuration
 * names (a filter, a textconv): they never see a token. Repository commands get less:
 * `commandEnvironment`.
 */
export function withoutSecrets(env: Env, options: { gitCredentials?: boolean } = {}): Env {
  // A flow job's git-over-HTTP credentials are what a fetch or push from the job authenticates
  // with; GIT_PASSWORD is what GitLab's own credential helper in newer flow jobs reads.
  const kept = Object.entries(env).filter(
    ([name]) =>
      !SECRET_NAME.test(name) ||
      (options.gitCredentials === true &&
        (name.startsWith("DUO_WORKFLOW_GIT_HTTP_") || name === "GIT_PASSWORD")),
  );
  return Object.fromEntries(
    kept.map(([name, value]) => [
      name,
      URL_NAMES.includes(name) && value ? withoutUserinfo(value) : value,
    ]),
  );
}

function withoutUserinfo(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return value;
  }
}

/** A function that replaces every secret in a text with `[REDACTED]`. */
export function secretScrubber(secrets: readonly string[]): (text: string) => string {
  if (secrets.length === 0) return (text) => text;
  const patterns = secrets.map((secret) => new RegExp([...secret].map(anyForm).join(""), "g"));
  return (text) => patterns.reduce((out, pattern) => out.replace(pattern, "[REDACTED]"), text);
}

/** One character raw, as \uXXXX or as %XX, hex digits in either case. */
function anyForm(char: string): string {
  const code = char.codePointAt(0)!;
  const hex = (digits: number) =>
    [...code.toString(16).padStart(digits, "0")]
      .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
      .join("");
  const forms = [char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"), `\\\\u${hex(4)}`];
  if (code < 0x80) forms.push(`%${hex(2)}`);
  return `(?:${forms.join("|")})`;
}

/**
 * The variables a repository command (a `regenerate` rule's command) gets, and no others: what a
 * shell, a package manager or a build tool needs to find programs, a home, a temporary directory,
 * a locale, a terminal, CA certificates and a proxy. Anything else (GITLAB_TOKEN, CI_*,
 * DOCKER_AUTH_CONFIG, DATABASE_URL, AWS_*, *_API_KEY, npm_config_*) is left out, so a command that
 * prints its environment shows none of it.
 */
const COMMAND_VARIABLES = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "TZ",
  "LANG",
  "LANGUAGE",
  "TMPDIR",
  "TMP",
  "TEMP",
  "CI",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
]);
/** A proxy's address may carry a user and password; such a proxy is left out too. */
const PROXY = /^(https?|no)_proxy$/i;

export function commandEnvironment(env: Env): Env {
  const kept = Object.entries(env).filter(
    ([name, value]) =>
      value !== undefined &&
      (COMMAND_VARIABLES.has(name) || name.startsWith("LC_")) &&
      !(PROXY.test(name) && /:\/\/[^/]*@/.test(value)),
  );
  return Object.fromEntries(kept);
}
