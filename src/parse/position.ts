import type { LineCounter } from 'yaml';
import type { SourceRange } from '../diagnostics/diagnostic.js';

/** Turns character offsets (end exclusive) into 1-based line/column positions. */
export function rangeAt(lineCounter: LineCounter, start: number, end?: number): SourceRange {
  const from = lineCounter.linePos(start);
  if (end === undefined || end <= start) return { line: from.line, col: from.col };
  const to = lineCounter.linePos(end);
  return { line: from.line, col: from.col, endLine: to.line, endCol: to.col };
}
