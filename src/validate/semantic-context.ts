/**
 * Shared plumbing for the semantic checks: where to report, and which parts of the value the
 * schema already found broken (those are skipped, so one fault never gets two diagnostics).
 */
import { createDiagnostic, type Diagnostic, type SourceRange } from '../diagnostics/diagnostic.js';
import type { Code } from '../diagnostics/codes.js';
import { locate, locateInString, type Target, type YamlSource } from './locate.js';
import { formatPointer } from './pointer.js';

export class SemanticContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly #broken: readonly string[];

  constructor(
    readonly src: YamlSource,
    readonly file: string,
    schemaDiagnostics: readonly Diagnostic[],
  ) {
    this.#broken = schemaDiagnostics.map((d) => d.pointer);
  }

  /** False when the schema reported a problem at this path or inside it. */
  usable(segments: readonly string[]): boolean {
    const p = formatPointer(segments);
    return !this.#broken.some((b) => b === p || b.startsWith(`${p}/`));
  }

  report(code: Code, message: string, segments: readonly string[], target: Target = 'value'): void {
    this.diagnostics.push(createDiagnostic(code, message, this.file, locate(this.src, segments, target), formatPointer(segments)));
  }

  /** Reports at character `index` of a string value when that can be placed, else at the value. */
  reportInString(code: Code, message: string, segments: readonly string[], index: number): void {
    const at = locateInString(this.src, segments, index) ?? locate(this.src, segments, 'value');
    this.diagnostics.push(createDiagnostic(code, message, this.file, at, formatPointer(segments)));
  }

  /** Reports at a place the caller found itself (see locateTopKeyInText). */
  reportAt(code: Code, message: string, segments: readonly string[], at: SourceRange): void {
    this.diagnostics.push(createDiagnostic(code, message, this.file, at, formatPointer(segments)));
  }

  line(segments: readonly string[], target: Target = 'value'): number {
    return locate(this.src, segments, target).line;
  }
}
