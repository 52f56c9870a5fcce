/**
 * What a shell would do with a `cmd` string that splitShellWords does not: cmd strings are split
 * like sh splits words, but spawned without a shell, so `|`, `>`, `;`, `&&`, `$(…)` or `$VAR`
 * reach the program as literal words (`ip netns exec $NS norouter 2>/dev/null | tee log` runs
 * `ip` with the arguments `$NS`, `2>/dev/null`, `|`, `tee`, `log`). This finds each such
 * construct outside quotes (and `$`/backtick inside double quotes, where sh expands them too),
 * so validation can say so. Globs and `~` are left alone: sh leaves a glob that matches nothing
 * as it is, and both are common in words a remote shell reads (`ssh h -- ~/bin/norouter`).
 */

export type ShellSyntaxKind =
  | 'pipe' | 'list' | 'background' | 'redirection' | 'subshell' | 'substitution' | 'comment' | 'ansi-quote' | 'variable';

export interface ShellSyntax {
  kind: ShellSyntaxKind;
  /** Index in the cmd string of its first character. */
  index: number;
  /** The construct as written (`|`, `&&`, `2>`, `$(`, `$NS`, `${NS}`). */
  text: string;
}

/** Every construct, in order; call it on a string splitShellWords accepted. */
export function findShellSyntax(cmd: string): ShellSyntax[] {
  const found: ShellSyntax[] = [];
  let i = 0;
  let wordStart = -1;
  const add = (kind: ShellSyntaxKind, index: number, text: string) => found.push({ kind, index, text });
  while (i < cmd.length) {
    const c = cmd.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n') {
      wordStart = -1;
      i++;
    } else if (c === "'") {
      if (wordStart < 0) wordStart = i;
      const close = cmd.indexOf("'", i + 1);
      i = close < 0 ? cmd.length : close + 1;
    } else if (c === '"') {
      if (wordStart < 0) wordStart = i;
      i = scanDoubleQuoted(cmd, i + 1, add);
    } else if (c === '\\') {
      if (wordStart < 0) wordStart = i;
      i += 2;
    } else if (c === '$') {
      if (wordStart < 0) wordStart = i;
      i = dollar(cmd, i, add, false);
    } else if (c === '`') {
      add('substitution', i, '`');
      i = closing(cmd, i);
    } else if (c === '&' && cmd.charAt(i + 1) === '>') {
      add('redirection', i, cmd.startsWith('&>>', i) ? '&>>' : '&>');
      wordStart = -1;
      i += cmd.startsWith('&>>', i) ? 3 : 2;
    } else if (c === '|' || c === '&' || c === ';') {
      const two = cmd.charAt(i + 1) === c;
      const text = two ? c + c : c;
      add(c === '|' ? (two ? 'list' : 'pipe') : c === ';' || two ? 'list' : 'background', i, text);
      wordStart = -1;
      i += text.length;
    } else if (c === '<' || c === '>') {
      // `2>file`: the digits before the operator are its file descriptor.
      const digits = wordStart >= 0 && /^[0-9]+$/.test(cmd.slice(wordStart, i)) ? wordStart : i;
      const op = /^(?:<<-?|>>|<>|>\||[<>]&?)/.exec(cmd.slice(i))?.[0] ?? c;
      add('redirection', digits, cmd.slice(digits, i) + op);
      wordStart = -1;
      i += op.length;
    } else if (c === '(' || c === ')') {
      add('subshell', i, c);
      wordStart = -1;
      i++;
    } else if (c === '#' && wordStart < 0) {
      add('comment', i, '#');
      break;
    } else {
      if (wordStart < 0) wordStart = i;
      i++;
    }
  }
  return found;
}

type Add = (kind: ShellSyntaxKind, index: number, text: string) => void;

/** Scans a double-quoted string from after its opening quote; returns the index after the closing one. */
function scanDoubleQuoted(cmd: string, from: number, add: Add): number {
  let j = from;
  while (j < cmd.length) {
    const ch = cmd.charAt(j);
    if (ch === '"') return j + 1;
    if (ch === '\\') j += 2;
    else if (ch === '$') j = dollar(cmd, j, add, true);
    else if (ch === '`') {
      add('substitution', j, '`');
      j = closing(cmd, j);
    } else j++;
  }
  return j;
}

/** A `$` at `i`: what sh would expand there; returns the index after it. */
function dollar(cmd: string, i: number, add: Add, quoted: boolean): number {
  const rest = cmd.slice(i);
  if (rest.startsWith('$(')) {
    add('substitution', i, rest.startsWith('$((') ? '$((' : '$(');
    return closing(cmd, i + 1);
  }
  if (!quoted && rest.startsWith("$'")) {
    add('ansi-quote', i, "$'");
    return i + 1;
  }
  const name = /^\$(?:\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(rest)?.[0];
  if (name !== undefined) {
    add('variable', i, name);
    return i + name.length;
  }
  // A `$` followed by nothing a shell expands is a literal `$` in sh too.
  return i + 1;
}

/**
 * The index after the end of a substitution opened at `open` (a backtick, or the `(` of `$(`):
 * its inside is one construct, already reported, so a `)` or `|` in it is not reported again.
 */
function closing(cmd: string, open: number): number {
  if (cmd.charAt(open) === '`') {
    const close = cmd.indexOf('`', open + 1);
    return close < 0 ? cmd.length : close + 1;
  }
  let depth = 0;
  for (let j = open; j < cmd.length; j++) {
    const ch = cmd.charAt(j);
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return j + 1;
  }
  return cmd.length;
}
