/**
 * Finds the nodes behind yaml's terser errors, so a message can name the key or alias involved and
 * point at it rather than at the start of the file.
 */
import { isScalar, visit, type Alias, type Document, type LineCounter } from 'yaml';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { rangeAt } from './position.js';

/** `duplicate key "a" (first on line 2)`, from the offset of the repeated key. */
export function duplicateKeyMessage(doc: Document.Parsed, offset: number, lineCounter: LineCounter): string {
  let message = 'duplicate key; keys in a mapping must be unique';
  visit(doc, {
    Map(_, map) {
      const index = map.items.findIndex((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      const repeated = map.items[index]?.key;
      if (!isScalar(repeated)) return undefined;
      const first = map.items.find((p, i) => i < index && isScalar(p.key) && p.key.value === repeated.value)?.key;
      const where = isScalar(first) && first.range ? ` (first on line ${lineCounter.linePos(first.range[0]).line})` : '';
      message = `duplicate key "${String(repeated.value)}"${where}; keys in a mapping must be unique`;
      return visit.BREAK;
    },
  });
  return message;
}

/** Turns what `toJS` threw (alias expansion limit, unknown anchor) into a diagnostic. */
export function aliasDiagnostic(doc: Document.Parsed, lineCounter: LineCounter, file: string, error: unknown, limit: number): Diagnostic {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_, a) => void aliases.push(a) });
  const text = error instanceof Error ? error.message : String(error);
  if (/excessive alias count/i.test(text)) {
    const at = aliases[0]?.range;
    return createDiagnostic('E104', `aliases expand to too many nodes (more than the limit of ${limit}); a manifest does not need this much repetition, and it is how "billion laughs" attacks exhaust memory`, file, at ? rangeAt(lineCounter, at[0], at[1]) : { line: 1, col: 1 }, '');
  }
  const unresolved = aliases.find((a) => !isAnchored(doc, a));
  if (unresolved?.range) {
    const message = `alias *${unresolved.source} refers to no anchor; define &${unresolved.source} before using it`;
    return createDiagnostic('E106', message, file, rangeAt(lineCounter, unresolved.range[0], unresolved.range[1]), '');
  }
  // Not an alias problem after all: still report it rather than lose it.
  return createDiagnostic('E101', text, file, { line: 1, col: 1 }, '');
}

function isAnchored(doc: Document.Parsed, alias: Alias): boolean {
  try {
    return alias.resolve(doc) !== undefined;
  } catch {
    return false;
  }
}
