/**
 * Characters no text from envsync.yaml may carry into a flow. YAML 1.1 readers (PyYAML, libyaml:
 * GitLab's flow loader is Python) take NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as line
 * breaks, so one of them inside a value can start a new key in their reading while a YAML 1.2
 * reader sees one string; controls outside tab and newline make files no YAML reader accepts;
 * bidirectional overrides and zero-width characters make a prompt read differently from how it
 * looks in review.
 */

export interface UnsafeCharacter {
  /** Index in the string. */
  index: number;
  /** e.g. U+0085 */
  codePoint: string;
  what: string;
}

// C0 controls except tab and newline, DEL, C1 controls (NEL among them), the line and paragraph
// separators, bidirectional controls, zero-width characters, non-characters, lone surrogates.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

export function unsafeCharacter(text: string): UnsafeCharacter | undefined {
  const match = UNSAFE.exec(text.replace(/\r\n/g, "\n"));
  if (!match) return undefined;
  const code = match[0].codePointAt(0)!;
  return {
    index: match.index,
    codePoint: `U+${code.toString(16).toUpperCase().padStart(4, "0")}`,
    what: describe(code),
  };
}

function describe(code: number): string {
  if (code === 0x85 || code === 0x2028 || code === 0x2029)
    return "a line break for YAML 1.1 readers";
  if (code >= 0xd800 && code <= 0xdfff) return "half of a surrogate pair";
  if (code === 0xfffe || code === 0xffff) return "not a character";
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069))
    return "a bidirectional override";
  if (code === 0x200e || code === 0x200f || code === 0x61c) return "a bidirectional mark";
  if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff)
    return "an invisible zero-width character";
  return "a control character";
}

/** The longest string envsync.yaml may hold: prompts stay small whatever the file says. */
export const MAX_TEXT_LENGTH = 1000;
