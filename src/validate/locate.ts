/**
 * Maps a path in the manifest value back to the YAML text, so every diagnostic can point at the
 * offending key or value. When the path leaves the document (a missing key), the deepest node
 * that exists is used: that is where the user has to add something.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceRange } from '../diagnostics/diagnostic.js';
import { rangeAt } from '../parse/position.js';

export type Target = 'value' | 'key';

export interface YamlSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  text: string;
}

/**
 * `target: 'key'` points at the mapping key that holds the value (`web:` rather than the whole
 * host block), which reads better for problems about a whole entry.
 */
export function locate(src: YamlSource, segments: readonly string[], target: Target = 'value'): SourceRange {
  const { node, key } = walk(src, segments);
  const valueRange = (node as Node | null | undefined)?.range;
  const hasValue = valueRange && valueRange[1] > valueRange[0];
  const chosen = (target === 'key' || !hasValue) && key?.range ? key.range : valueRange;
  if (!chosen) return { line: 1, col: 1 };
  return rangeAt(src.lineCounter, chosen[0], chosen[1]);
}

/**
 * The position of character `index` of the string at a path, when the scalar's source text is
 * the value itself (plain, or quoted without escapes); undefined when escapes or folding make the
 * mapping unknowable.
 */
export function locateInString(src: YamlSource, segments: readonly string[], index: number): SourceRange | undefined {
  const { node } = walk(src, segments);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const source = src.text.slice(node.range[0], node.range[1]);
  const quoted = node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE';
  const inner = quoted ? source.slice(1, -1) : source;
  if (inner !== node.value || index >= inner.length) return undefined;
  const offset = node.range[0] + (quoted ? 1 : 0) + index;
  return rangeAt(src.lineCounter, offset, offset + 1);
}

function walk(src: YamlSource, segments: readonly string[]): { node: unknown; key: Node | undefined } {
  let node: unknown = src.doc.contents;
  let key: Node | undefined;
  for (const s of segments) {
    if (isAlias(node)) node = node.resolve(src.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === s);
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(s) && Number(s) < node.items.length) {
      key = undefined;
      node = node.items[Number(s)];
    } else {
      break;
    }
  }
  return { node, key };
}

/**
 * A top-level key found in the text alone, without yaml's document: the first line that starts,
 * at column 1, with `key:` (plain, or in quotes). For a 32,000-host manifest yaml's document alone
 * is 430 MB, so the one diagnostic about a manifest's sheer size (E318) is placed this way.
 * Undefined when the key is written any other way; the caller then falls back to locate().
 */
export function locateTopKeyInText(text: string, key: string): SourceRange | undefined {
  for (const token of [key, `"${key}"`, `'${key}'`]) {
    const at = new RegExp(`^${escapeRegExp(token)}[ \\t]*:(?=[ \\t]|$)`, 'm').exec(text);
    if (!at) continue;
    const line = countLines(text, at.index);
    return { line, col: 1, endLine: line, endCol: 1 + token.length };
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The 1-based line of `offset`: lines end at \n, as yaml's LineCounter counts them. */
function countLines(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
