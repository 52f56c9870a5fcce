/**
 * Stage 1: text → YAML Document. Every YAML error and warning becomes a positioned Diagnostic;
 * nothing throws. The plain value is produced only from an error-free document.
 */
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { rangeAt } from './position.js';
import { aliasDiagnostic, duplicateKeyMessage } from './yaml-context.js';

/** A manifest is a few kilobytes; anything this large is a mistake (or an attack), not a manifest. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * yaml counts, per alias, the nodes it expands to; this bounds the expansion of a "billion laughs"
 * document to a size toJS handles instantly, while allowing ordinary anchor reuse.
 */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedYaml {
  /** Undefined only when the file could not be parsed at all (too large, too deep). */
  doc: Document.Parsed | undefined;
  lineCounter: LineCounter;
  /** The plain JS value; undefined when the document has errors. */
  value: unknown;
  diagnostics: Diagnostic[];
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    const d = createDiagnostic('E105', 'the file is larger than 16 MiB, the most a manifest may be; it was not parsed', file, { line: 1, col: 1 }, '');
    return { doc: undefined, lineCounter, value: undefined, diagnostics: [d] };
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    // Regression: ~1,000 nested `[` overflowed the stack in yaml's composer and
    // the CLI died with an internal error. A manifest needs a handful of levels.
    if (!(error instanceof RangeError)) throw error;
    const d = createDiagnostic('E108', 'the YAML nests too deeply to be read (hundreds of levels); a manifest needs only a few', file, { line: 1, col: 1 }, '');
    return { doc: undefined, lineCounter, value: undefined, diagnostics: [d] };
  }
  const diagnostics = [...yamlErrors(doc, doc.errors, lineCounter, file), ...doc.warnings.map((w) => warning(w, lineCounter, file))];
  if (doc.errors.length > 0) return { doc, lineCounter, value: undefined, diagnostics };
  try {
    return { doc, lineCounter, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), diagnostics };
  } catch (error) {
    diagnostics.push(aliasDiagnostic(doc, lineCounter, file, error, MAX_ALIAS_COUNT));
    return { doc, lineCounter, value: undefined, diagnostics };
  }
}

function yamlErrors(doc: Document.Parsed, errors: readonly YAMLError[], lineCounter: LineCounter, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  // One diagnostic for all tab-indented lines: it is one habit (an editor setting) to fix once.
  const tabs = errors.filter((e) => e.code === 'TAB_AS_INDENT');
  const [firstTab] = tabs;
  if (firstTab) {
    const lines = [...new Set(tabs.slice(1).map((e) => lineCounter.linePos(e.pos[0]).line))];
    const also = lines.length ? ` (also on line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})` : '';
    out.push(createDiagnostic('E103', `tab used for indentation; YAML indents with spaces only${also}`, file, rangeAt(lineCounter, firstTab.pos[0], firstTab.pos[1]), ''));
  }
  // Tab indentation derails the parser for the rest of that line; its other complaints there
  // (often a bogus duplicate key) are consequences, not problems of their own.
  const tabLines = new Set(tabs.map((e) => lineCounter.linePos(e.pos[0]).line));
  for (const e of errors) {
    const at = rangeAt(lineCounter, e.pos[0], e.pos[1]);
    if (e.code === 'TAB_AS_INDENT' || tabLines.has(at.line)) continue;
    if (e.code === 'DUPLICATE_KEY') out.push(createDiagnostic('E102', duplicateKeyMessage(doc, e.pos[0], lineCounter), file, at, ''));
    else if (e.code === 'MULTIPLE_DOCS') out.push(createDiagnostic('E107', 'a second YAML document starts here; a manifest is one document (remove this `---` and what follows, or merge it into the first)', file, at, ''));
    else out.push(createDiagnostic('E101', lowerFirst(e.message), file, at, ''));
  }
  return out;
}

function warning(w: YAMLError, lineCounter: LineCounter, file: string): Diagnostic {
  const effect = w.code === 'TAG_RESOLVE_FAILED' ? '; the value is read as if it had no tag' : '';
  return createDiagnostic('W101', `${lowerFirst(w.message)}${effect}`, file, rangeAt(lineCounter, w.pos[0], w.pos[1]), '');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
