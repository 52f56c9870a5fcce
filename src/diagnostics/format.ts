/**
 * Prints diagnostics the way compilers do, so editors and terminals recognise them:
 *
 *   manifest.yaml:3:1: error[E201]: unknown key "hostTemplte" in manifest; did you mean "hostTemplate"?
 *     3 | hostTemplte:
 *       | ^~~~~~~~~~~
 */
import type { Diagnostic } from './diagnostic.js';
import { escapeControls, hasControls } from '../terminal/safe-text.js';
import { paint, type Style } from './colour.js';

export interface FormatOptions {
  /**
   * ANSI colours, as compilers use on a terminal: the severity in red or yellow, the position in
   * bold, the caret in the severity's colour. Off by default: the caller decides (wantsColour).
   */
  colour?: boolean;
}

/**
 * Tabs are expanded to this many columns in the excerpt. We print the line ourselves, so any width
 * keeps the caret aligned; a terminal's own tab stops would not be under our control.
 */
const TAB_WIDTH = 4;
/**
 * An excerpt shows at most this many columns of its line, a window around the caret (a
 * one-line 50 MB file printed 16 MB per diagnostic). Longer lines are cut with `…` at either end.
 */
export const MAX_EXCERPT_COLUMNS = 160;

/**
 * The file name, the message and the excerpt all come from outside (the command line, the
 * manifest): every control character in them is shown escaped (`\x1b`), never sent to the
 * terminal, and the caret is placed under the escaped form.
 */
export function formatDiagnostic(d: Diagnostic, sourceText: string, options: FormatOptions = {}): string {
  const on = options.colour === true;
  const tone: Style = d.severity === 'error' ? 'red' : 'yellow';
  const header = `${paint(on, 'bold', `${escapeControls(d.file)}:${d.line}:${d.col}:`)} ${paint(on, tone, `${d.severity}[${d.code}]`)}: ${escapeControls(d.message)}`;
  const source = sourceLine(sourceText, d.line, d.col);
  const { text: full, columns } = expandTabs(source.text);
  const start0 = displayColumn(columns, d.col - source.offset);
  const end0 = d.endLine === d.line && d.endCol !== undefined
    ? displayColumn(columns, d.endCol - source.offset)
    : d.endLine !== undefined && d.endLine > d.line
      ? Math.max(columns[columns.length - 1] ?? 0, start0 + 1)
      : start0 + 1;
  // A window of the line around the caret; `…` where the line goes on.
  const from = full.length + (source.cutBefore ? 1 : 0) <= MAX_EXCERPT_COLUMNS ? 0 : Math.max(0, start0 - MAX_EXCERPT_COLUMNS / 4);
  const before = source.cutBefore || from > 0 ? '…' : '';
  const shown = full.slice(from, from + MAX_EXCERPT_COLUMNS);
  const after = source.cutAfter || from + MAX_EXCERPT_COLUMNS < full.length ? '…' : '';
  const text = before + shown + after;
  const start = start0 - from + before.length;
  const end = Math.min(end0 - from + before.length, before.length + shown.length + after.length);
  const caret = ' '.repeat(start) + '^' + '~'.repeat(Math.max(0, end - start - 1));
  const gutter = String(d.line).length;
  return [
    header,
    `  ${paint(on, 'blue', `${String(d.line)} |`)} ${text}`.trimEnd(),
    `  ${paint(on, 'blue', `${' '.repeat(gutter)} |`)} ${paint(on, tone, caret)}`,
  ].join('\n');
}

/** Every diagnostic, a blank line between them, then `2 errors, 1 warning`; '' for none. */
export function formatDiagnostics(list: readonly Diagnostic[], sourceText: string, options: FormatOptions = {}): string {
  if (list.length === 0) return '';
  return `${list.map((d) => formatDiagnostic(d, sourceText, options)).join('\n\n')}\n\n${summarize(list)}\n`;
}

export function summarize(list: readonly Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const parts: string[] = [];
  if (errors || !warnings) parts.push(plural(errors, 'error'));
  if (warnings) parts.push(plural(warnings, 'warning'));
  return parts.join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The source line, or for a very long one only a stretch around `col` (never copying megabytes):
 * `offset` is how many UTF-16 units were left out before it.
 */
function sourceLine(text: string, line: number, col: number): { text: string; offset: number; cutBefore: boolean; cutAfter: boolean } {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return { text: '', offset: 0, cutBefore: false, cutAfter: false };
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : nl;
  const reach = 4 * MAX_EXCERPT_COLUMNS;
  const from = Math.max(start, start + col - 1 - reach);
  const to = Math.min(end, start + col - 1 + reach);
  return { text: text.slice(from, to).replace(/\r$/, ''), offset: from - start, cutBefore: from > start, cutAfter: to < end };
}

/**
 * The line with tabs expanded and control characters escaped, and for each UTF-16 index the
 * display column where it starts. A character outside the BMP (two UTF-16 units) takes one
 * column; wide CJK glyphs are not measured.
 */
function expandTabs(line: string): { text: string; columns: number[] } {
  let text = '';
  let width = 0;
  const columns: number[] = [];
  const controls = hasControls(line);
  for (const ch of line) {
    for (let i = 0; i < ch.length; i++) columns.push(width);
    const shown = ch === '\t' ? ' '.repeat(TAB_WIDTH - (width % TAB_WIDTH)) : controls ? escapeControls(ch) : ch;
    text += shown;
    width += ch === '\t' || shown !== ch ? shown.length : 1;
  }
  columns.push(width);
  return { text, columns };
}

/** 0-based display column for a 1-based source column; past the end of line counts on from it. */
function displayColumn(columns: readonly number[], col: number): number {
  const last = columns.length - 1;
  const index = Math.max(0, col - 1);
  return index <= last ? (columns[index] ?? 0) : (columns[last] ?? 0) + (index - last);
}
