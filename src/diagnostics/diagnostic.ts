/**
 * A problem found in a manifest: collected as data (never thrown), all reported at once, each
 * with a stable code, a position in the file and a JSON pointer into the manifest.
 */
import { CODES, type Code } from './codes.js';

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: Code;
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like the rest of JavaScript. */
  col: number;
  /** Where the offending text ends (exclusive column), when known. */
  endLine?: number;
  endCol?: number;
  /** JSON pointer (RFC 6901) into the manifest; '' for the root. */
  pointer: string;
}

/** A place in the source: start and, when known, the (exclusive) end. */
export interface SourceRange {
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

/** Builds a diagnostic whose severity is the one registered for its code. */
export function createDiagnostic(code: Code, message: string, file: string, at: SourceRange, pointer: string): Diagnostic {
  return { severity: CODES[code].severity, code, message, file, ...at, pointer };
}

/** Orders by position, then errors before warnings, then by code, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.line - b.line ||
    a.col - b.col ||
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}
