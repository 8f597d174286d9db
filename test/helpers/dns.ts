import type { Fetch } from "../../src/gitlab/http.js";

/** errno of each getaddrinfo failure, as libuv numbers them on Linux and macOS. */
const ERRNO: Record<string, number> = { ENOTFOUND: -3008, EAI_AGAIN: -3001, EAI_FAIL: -3004 };

/**
 * A `fetch` for the HTTP context whose every name lookup fails with `code`, as Node's fetch fails
 * when DNS says so: `TypeError: fetch failed` caused by `getaddrinfo ENOTFOUND host` (code, errno,
 * syscall, hostname). Nothing is resolved or sent, so it needs no network and no DNS, and the
 * answer does not depend on what a resolver says about reserved names. `lookups` holds each host
 * asked for, one per attempt.
 */
export function failingLookup(code = "ENOTFOUND"): { fetch: Fetch; lookups: string[] } {
  const lookups: string[] = [];
  const fetch: Fetch = (input) => {
    const url = input instanceof Request ? input.url : input;
    const { hostname } = new URL(url);
    lookups.push(hostname);
    const cause = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
      code,
      errno: ERRNO[code],
      syscall: "getaddrinfo",
      hostname,
    });
    return Promise.reject(new TypeError("fetch failed", { cause }));
  };
  return { fetch, lookups };
}
