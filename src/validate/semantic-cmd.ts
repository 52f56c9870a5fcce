/** `cmd`: at most one host without it, and a command that names a program. */
import { splitShellWords } from '../shell/shell-words.js';
import { findShellSyntax, type ShellSyntaxKind } from '../shell/shell-syntax.js';
import type { SemanticContext } from './semantic-context.js';
import { knownKeys } from './schema-tree.js';
import { suggestKey } from './suggest.js';

export function checkCommands(ctx: SemanticContext, hosts: ReadonlyArray<readonly [string, Record<string, unknown>]>): void {
  let local: string | undefined;
  for (const [name, host] of hosts) {
    // `command:` or `cmnd:` is already an unknown-key error whose "did you mean" says cmd;
    // calling the host local too would report one typo twice.
    if (!('cmd' in host) && misspeltCmd(name, host)) continue;
    if (!('cmd' in host)) {
      if (local === undefined) local = name;
      else ctx.report('E306', `host "${name}" has no cmd, and neither has host "${local}" (line ${ctx.line(['hosts', local], 'key')}): only one host can be the local one, or their agents would fight over the same loopback addresses; give "${name}" a cmd`, ['hosts', name], 'key');
      continue;
    }
    const at = ['hosts', name, 'cmd'];
    if (!ctx.usable(at)) continue;
    const cmd = host['cmd'];
    if (typeof cmd === 'string') checkCommandString(ctx, name, cmd, at);
    else if (Array.isArray(cmd) && typeof cmd[0] === 'string' && cmd[0].trim() === '') {
      ctx.report('E307', `cmd[0] of host "${name}" is empty; the first element is the program to run`, [...at, '0']);
    }
  }
}

function misspeltCmd(name: string, host: Record<string, unknown>): boolean {
  const known = knownKeys(['hosts', name]);
  return Object.keys(host).some((k) => !known.includes(k) && suggestKey(k, known) === 'cmd');
}

function checkCommandString(ctx: SemanticContext, name: string, cmd: string, at: readonly string[]): void {
  const split = splitShellWords(cmd);
  if (!split.ok) {
    const what = /^[aeiou]/.test(split.error) ? `an ${split.error}` : `a ${split.error}`;
    ctx.reportInString('E308', `cmd of host "${name}" has ${what}; cmd strings are split like a shell would (quote or escape it, or write cmd as a list)`, at, split.index);
    return;
  }
  if (split.words.length === 0 || split.words[0] === '') {
    ctx.report('E307', `cmd of host "${name}" is empty; give the command that starts norouter there, or leave cmd out for the local host`, at);
    return;
  }
  checkShellSyntax(ctx, name, cmd, at);
}

const WHAT: Record<ShellSyntaxKind, string> = {
  pipe: 'a pipe',
  list: 'a command separator',
  background: 'a background operator',
  redirection: 'a redirection',
  subshell: 'a subshell parenthesis',
  substitution: 'a command substitution',
  comment: 'a comment',
  'ansi-quote': "bash's $'…' quoting",
  variable: 'a variable',
};

/**
 * A cmd string is split like sh splits words but run without a shell: shell syntax in it reaches
 * the program as literal words. Each kind is reported once per cmd, at its first occurrence;
 * a variable is a warning (a literal `$` may be meant, as in a password), the rest errors.
 */
function checkShellSyntax(ctx: SemanticContext, name: string, cmd: string, at: readonly string[]): void {
  const seen = new Set<ShellSyntaxKind>();
  for (const s of findShellSyntax(cmd)) {
    if (seen.has(s.kind)) continue;
    seen.add(s.kind);
    const quoted = JSON.stringify(s.text);
    const shell = `run a shell explicitly: sh -c '… "$@"' sh (the agent's arguments arrive as "$@")`;
    if (s.kind === 'variable') {
      ctx.reportInString('W304', `cmd of host "${name}" has the variable ${quoted}, but cmd strings are not run by a shell: the program gets ${quoted} literally. Write its value instead, or ${shell}`, at, s.index);
    } else {
      ctx.reportInString('E319', `cmd of host "${name}" has ${WHAT[s.kind]} (${quoted}), but cmd strings are not run by a shell: ${quoted} would reach the program as an argument. Quote it if it is meant literally, or ${shell}`, at, s.index);
    }
  }
}
