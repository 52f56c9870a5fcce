/**
 * Text from a source we do not control (a manifest, an agent's stderr, a request line a proxy
 * logs, a word `plan` prints) made safe to show on a terminal. A terminal acts on control bytes:
 * ESC sequences clear the screen, set the window title or move the cursor (and so forge a
 * `norouter:` line), a bare CR overwrites the line, C1 controls (U+0080-U+009F) are ESC's
 * single-character forms, and bidirectional overrides reorder what the reader sees.
 *
 * Every such character becomes a visible escape in the form JavaScript and bash's $'…' read:
 * `\x1b`, `\r`, `\u202e`. Tab is kept (it is harmless and common in logs); a backslash is left as
 * it is, so ordinary text is unchanged (the output is for eyes, not for parsing back).
 */

// C0 controls but tab, DEL, C1 controls, and the bidi embedding, override and isolate controls.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\u0000': '\\0' };

/** The visible form of one unsafe character. */
function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every character that a terminal would act on shown as a visible escape. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Whether `text` holds any character that escapeControls would change. */
export function hasControls(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
