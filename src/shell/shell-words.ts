/**
 * The shell-like string form of `cmd` ("docker exec -i c1 norouter"), both ways. Splitting follows
 * POSIX sh quoting, but nothing else of the shell: no variables, globs, pipes or redirections
 * (those characters are taken literally), because the command is spawned without a shell.
 */

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string; index: number };

const BLANK = new Set([' ', '\t', '\n']);
/** Inside double quotes a backslash escapes only these (POSIX 2.2.3); before others it is literal. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['\\', '"', '$', '`']);

export function splitShellWords(text: string): SplitResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (BLANK.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return { ok: false, error: 'unterminated single quote', index: i };
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      const r = readDoubleQuoted(text, i);
      if (r === undefined) return { ok: false, error: 'unterminated double quote', index: i };
      word += r.value;
      inWord = true;
      i = r.end;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { ok: false, error: 'trailing backslash (it escapes nothing)', index: i };
      // Backslash-newline is a line continuation: it joins, it does not make a character.
      if (text.charAt(i + 1) !== '\n') {
        word += text.charAt(i + 1);
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}

/** The text of a double-quoted string starting at `open`, and the index after its closing quote. */
function readDoubleQuoted(text: string, open: number): { value: string; end: number } | undefined {
  let value = '';
  let j = open + 1;
  while (j < text.length) {
    const ch = text.charAt(j);
    if (ch === '"') return { value, end: j + 1 };
    const next = text.charAt(j + 1);
    if (ch === '\\' && j + 1 < text.length && (DOUBLE_QUOTE_ESCAPABLE.has(next) || next === '\n')) {
      if (next !== '\n') value += next;
      j += 2;
    } else {
      value += ch;
      j++;
    }
  }
  return undefined;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Characters a terminal or a line editor acts on when they are pasted: C0 controls but newline
 * (tab completes, ^C, ^U, ^W edit the line, CR ends it), DEL, C1 controls, and the bidirectional
 * controls that make the text read differently from what runs. Newline is safe inside quotes: the
 * shell reads on.
 */
const PASTE_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * One word as sh and bash read it back unchanged: bare when safe, else single-quoted. A run of
 * characters a terminal would act on is written as `"$(printf '\033')"`: octal escapes of its
 * UTF-8 bytes, so the printed line holds no control character at all. bash's `$'\033'` would be
 * shorter, but dash (Debian's sh, 0.5.12) reads `$'…'` as a `$` and a quoted string.
 */
export function quoteShellWord(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  // Not .test(): it would move the global regex's lastIndex, where matchAll then starts.
  if (word.search(PASTE_UNSAFE) < 0) return singleQuoted(word);
  let out = '';
  let last = 0;
  for (const m of word.matchAll(PASTE_UNSAFE)) {
    if (m.index > last) out += singleQuoted(word.slice(last, m.index));
    out += `"$(printf '${octal(m[0])}')"`;
    last = m.index + m[0].length;
  }
  if (last < word.length) out += singleQuoted(word.slice(last));
  return out;
}

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `\ooo` for every UTF-8 byte of `text`: printf's format reads these in every POSIX shell. */
function octal(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

/**
 * Shell words that would change meaning in command position even though each character is
 * safe: `NAME=value` is an assignment, `%1` a job and `if`… are keywords, so the command name gets quotes.
 */
const RESERVED = new Set(['!', 'case', 'coproc', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select', 'then', 'time', 'until', 'while']);

/** A command line to paste into bash or sh that runs exactly `argv`. */
export function quoteShellCommand(argv: readonly string[]): string {
  return argv
    .map((word, i) => (i === 0 && SAFE_WORD.test(word) && (word.includes('=') || word.startsWith('%') || RESERVED.has(word)) ? `'${word}'` : quoteShellWord(word)))
    .join(' ');
}
