import { describe, expect, it } from "vitest";
import { codeBlock, inlineCode } from "../../src/gitlab/markdown.js";

/**
 * What GitLab's quick-action extractor would run: lines starting with `/` outside ``` blocks
 * (its code pattern is ^```.+?\n```$, non-greedy).
 */
function quickActions(markdown: string): string[] {
  const outside = markdown.replace(/^```.+?\n```$/gms, "");
  return outside.split("\n").filter((line) => /^\/\w/.test(line));
}

/** `@mentions` GitLab would notify: outside inline code and code blocks. */
function mentions(markdown: string): string[] {
  const outside = markdown
    .replace(/^```.+?\n```$/gms, "")
    .replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, "");
  return [...outside.matchAll(/(?:^|\s)@(\w+)/g)].map((m) => m[1]!);
}

describe("inlineCode", () => {
  it.each([
    ["unit @all\n/close", "`unit @all /close`"],
    ["a `tick`", "``a `tick` ``".replace("``a", "`` a")],
    ["``double``", "``` ``double`` ```"],
    ["", "` `"],
  ])("keeps %j on one line of code", (text, expected) => {
    expect(inlineCode(text)).toBe(expected);
  });

  it("leaves no quick action and no mention in a note line", () => {
    const line = `Job ${inlineCode("unit @all\n/close")} failed`;
    expect(quickActions(line)).toEqual([]);
    expect(mentions(line)).toEqual([]);
  });
});

describe("codeBlock", () => {
  it("cannot be closed early by backticks in the text, so /commands inside stay inert", () => {
    const log = "error\n```\n/close\n@all look\n```\n/label ~bug";
    const note = `Log:\n${codeBlock(log)}\ndone`;
    expect(quickActions(note)).toEqual([]);
    expect(mentions(note)).toEqual([]);
    expect(quickActions(`Log:\n\`\`\`\n${log}\n\`\`\``)).not.toEqual([]);
  });
});
