import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  agentConfig,
  installedVersion,
  mergeAgentConfig,
  registryUrl,
  RUNTIME_LINE,
  runtimeVersion,
} from "../../src/ci/agent-config.js";

const desired = agentConfig("1.2.3", "acme/envsync", "registry");

describe("the flows' runtime from the committed file (the default)", () => {
  const file = agentConfig("1.2.3", "acme/envsync");

  it("puts .gitlab/duo/envsync.mjs on PATH and installs nothing", () => {
    expect(file).toEqual({
      image: expect.stringMatching(/^node:20\.19\.\d+/) as string,
      setup_script: [RUNTIME_LINE],
    });
  });

  it("replaces a registry install with the file, keeping the user's lines", () => {
    const before =
      "setup_script:\n  - apt-get install -y jq\n  - npm install --global envsync@1.0.0\n";
    const { text, changed } = mergeAgentConfig(before, file);
    expect(changed).toEqual(["image", "setup_script"]);
    expect((parse(text) as { setup_script: string[] }).setup_script).toEqual([
      "apt-get install -y jq",
      RUNTIME_LINE,
    ]);
  });

  it("puts the file on PATH where the branch has it, and starts the job without it elsewhere", () => {
    expect(RUNTIME_LINE).toMatch(
      /^if \[ -f \.gitlab\/duo\/envsync\.mjs \]; then install -m 0755 \.gitlab\/duo\/envsync\.mjs \/usr\/local\/bin\/envsync; else echo .*; fi$/,
    );
  });

  it("reads the version a runtime file says it is", () => {
    expect(runtimeVersion("#!/usr/bin/env node\n// envsync runtime 1.2.3: written by x\n")).toBe(
      "1.2.3",
    );
    expect(runtimeVersion("console.log(1)")).toBeUndefined();
  });
});

describe("the flows' runtime from the npm registry (.gitlab/duo/agent-config.yml)", () => {
  it("installs the exact version from the releasing project's npm registry on the instance", () => {
    expect(registryUrl("acme/envsync")).toBe(
      "${GITLAB_BASE_URL}/api/v4/projects/acme%2Fenvsync/packages/npm/",
    );
    expect(desired.setup_script[0]).toMatch(/--ignore-scripts .*envsync@1\.2\.3$/);
    expect(desired.setup_script[0]).not.toMatch(/npx|registry\.npmjs/);
    expect(desired.image).toMatch(/^node:20\.19\.\d+/);
  });

  it("creates the file when there is none", () => {
    const { text, changed } = mergeAgentConfig(undefined, desired);
    expect(parse(text)).toEqual(desired);
    expect(changed).toEqual(["image", "setup_script", "cache"]);
  });

  it("keeps the user's keys, values and comments, and replaces an older EnvSync install", () => {
    const before = [
      "# ours",
      "image: registry.example.com/node:22 # our mirror",
      "network_policy:",
      "  allowed_domains: [registry.example.com]",
      "setup_script:",
      "  - apt-get install -y jq",
      "  - npm install --global envsync@1.0.0",
      "",
    ].join("\n");
    const { text, changed } = mergeAgentConfig(before, desired);
    expect(changed).toEqual(["setup_script", "cache"]);
    expect(text).toContain("# ours");
    expect(text).toContain("image: registry.example.com/node:22 # our mirror");
    const parsed = parse(text) as { setup_script: string[]; network_policy: unknown };
    expect(parsed.setup_script).toEqual(["apt-get install -y jq", desired.setup_script[0]]);
    expect(parsed.network_policy).toEqual({ allowed_domains: ["registry.example.com"] });
  });

  it("keeps CRLF line ends", () => {
    const before =
      "# our runtime\r\nimage: node:22\r\nsetup_script:\r\n  - apt-get install -y jq\r\n";
    const { text, changed } = mergeAgentConfig(before, desired);
    expect(changed).toEqual(["setup_script", "cache"]);
    expect(text.startsWith("# our runtime\r\nimage: node:22\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    expect(mergeAgentConfig(text, desired)).toEqual({ text, changed: [] });
  });

  it("changes nothing when the file already installs this version", () => {
    const current = mergeAgentConfig(undefined, desired).text;
    expect(mergeAgentConfig(current, desired)).toEqual({ text: current, changed: [] });
  });

  it("turns a single setup_script string into a list, keeping it", () => {
    const { text } = mergeAgentConfig("setup_script: make deps\n", desired);
    expect((parse(text) as { setup_script: string[] }).setup_script).toEqual([
      desired.setup_script[0],
      "make deps",
    ]);
  });

  it("reads which version a file installs", () => {
    expect(installedVersion("setup_script: [npm i -g envsync@0.9.1]")).toBe("0.9.1");
    expect(installedVersion("image: node:20")).toBeUndefined();
  });

  it("refuses a file that does not parse, with the position", () => {
    expect(() => mergeAgentConfig("image: [x\n", desired)).toThrow(/does not parse at line/);
  });
});

describe("reading setup lines of any length", () => {
  it("tells an install line from a long line of `npm i` words in one scan each", () => {
    // As one pattern, `npm i\b.*\benvsync@` re-scans the rest of the line from every `npm i`:
    // 100,000 of them without `envsync@` is 10^10 steps. Here it is a few scans of the line.
    const noise = "npm i ".repeat(100_000);
    const before = `setup_script:\n  - "${noise}"\n  - npm install --global envsync@1.0.0\n`;
    const { text, changed } = mergeAgentConfig(before, desired);
    expect(changed).toEqual(["image", "setup_script", "cache"]);
    const parsed = parse(text) as { setup_script: string[] };
    expect(parsed.setup_script).toEqual([noise, desired.setup_script[0]]);
  });
});
