/**
 * A fast path for plain manifests: `yaml` lexes a 1,000-host manifest in ~300 ms of a
 * cold process, far over the budget, while the manifests people write use a small subset of YAML.
 * This parses that subset straight to the plain value `parseDocument(text).toJS()` would give, and
 * answers undefined ("not sure") the moment the text leaves it; `yaml` stays the authority for
 * everything else, and for every diagnostic (src/manifest/load.ts).
 *
 * The subset: block mappings and sequences indented with spaces (`- key: value` items included),
 * flow collections on one line, one-line quoted scalars, plain scalars resolved by the YAML 1.2
 * core schema, comments, blank lines, a leading `---`, tabs between tokens. Not: anchors, aliases,
 * tags, block scalars, multi-line scalars, directives, explicit keys, `<<`, non-string keys,
 * duplicate keys, tab indentation, CR, a BOM, control characters. test/parse/fast-yaml.test.ts
 * checks it against `yaml`.
 */
import { MAX_MANIFEST_BYTES } from './parse-yaml.js';
import { MAX_DEPTH, NOT_SURE, checkPlainStart, commentStart, expectLineEnd, isBlank, notSure, plainText, resolvePlain, scanFlow, scanQuoted, setKey, skipBlanks, skipSpaces } from './fast-yaml-scalar.js';

/** One line with content (blank and comment-only lines are dropped): its indent and the rest. */
interface Line {
  indent: number;
  text: string;
}

/**
 * CR (a CRLF file), C0/C1 controls, NEL, U+2028/2029, a BOM, non-characters and lone surrogates:
 * each has rules of its own in YAML; leave them to `yaml`. (`yaml` 2.8.1 even rejects a BOM before
 * a block sequence.) Tabs are handled where they separate tokens, and refused elsewhere.
 */
const UNUSUAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `---` alone (or with a comment) before any content. */
const DOCUMENT_START = /^---(?: +(?:#.*)?)?$/;

/** The plain value of `text`, as `yaml` would give it; undefined when not sure. */
export function parseFastYaml(text: string): unknown {
  // Over the limit is E105's business (src/parse/parse-yaml.ts).
  if (text.length > MAX_MANIFEST_BYTES || Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) return undefined;
  try {
    return new BlockParser(toLines(text)).document();
  } catch (error) {
    if (error === NOT_SURE) return undefined;
    throw error;
  }
}

function toLines(text: string): Line[] {
  if (UNUSUAL.test(text)) notSure();
  const lines: Line[] = [];
  let started = false;
  for (const raw of text.split('\n')) {
    const indent = skipSpaces(raw, 0);
    if (indent === raw.length || raw[indent] === '#') continue;
    // A tab in the indentation is an error (E103); before a comment or on a blank line, rare.
    if (raw[indent] === '\t') notSure();
    if (indent === 0) {
      if (raw.startsWith('---') && !started && DOCUMENT_START.test(raw)) {
        started = true;
        continue;
      }
      if (raw.startsWith('---') || raw.startsWith('...') || raw[0] === '%') notSure();
    }
    started = true;
    lines.push({ indent, text: raw.slice(indent) });
  }
  return lines;
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

interface KeyLine {
  key: unknown;
  /** Characters of source text the key takes. */
  keyLength: number;
  /** After the `:` and its spaces. */
  rest: string;
}

/** `key: rest` when the line is a mapping entry; undefined when it is something else. */
function splitKey(text: string): KeyLine | undefined {
  const c = text[0];
  if (c === '"' || c === "'") {
    const q = scanQuoted(text, 0);
    if (text[q.end] !== ':') return undefined;
    // `"a":b` is a valid key in YAML 1.2, but rare; leave it to `yaml`.
    if (q.end + 1 < text.length && !isBlank(text[q.end + 1])) notSure();
    return { key: q.value, keyLength: q.end, rest: text.slice(skipBlanks(text, q.end + 1)) };
  }
  if (c === '[' || c === '{') return undefined;
  let colon = -1;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    if (i + 1 === text.length || isBlank(text[i + 1])) {
      colon = i;
      break;
    }
  }
  if (colon < 0 || commentStart(text) < colon) return undefined;
  // `key :` is valid YAML too; leave it to `yaml`.
  if (isBlank(text[colon - 1])) notSure();
  const raw = plainText(text, 0, colon);
  checkPlainStart(raw, false);
  return { key: resolvePlain(raw), keyLength: colon, rest: text.slice(skipBlanks(text, colon + 1)) };
}

/** A value on the rest of a line: a flow collection, a quoted scalar or a plain scalar. */
function scanInline(text: string, depth: number): unknown {
  const c = text[0];
  if (c === '[' || c === '{') {
    const flow = scanFlow(text, 0, depth);
    expectLineEnd(text, flow.end);
    return flow.value;
  }
  if (c === '"' || c === "'") {
    const q = scanQuoted(text, 0);
    expectLineEnd(text, q.end);
    return q.value;
  }
  const raw = plainText(text, 0, commentStart(text));
  checkPlainStart(raw, false);
  // `a: b: c` is an error in YAML; `a: b:` too.
  if (/:[ \t]/.test(raw) || raw.endsWith(':')) notSure();
  return resolvePlain(raw);
}

class BlockParser {
  #pos = 0;

  constructor(private readonly lines: Line[]) {}

  document(): unknown {
    const first = this.lines[0];
    if (first === undefined || first.indent !== 0) notSure();
    const value = this.node(0, 0);
    if (this.#pos !== this.lines.length) notSure();
    return value;
  }

  /** The collection whose first line is the current one, at `indent`. */
  private node(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) notSure();
    const line = this.lines[this.#pos];
    return line !== undefined && isSeqItem(line.text) ? this.seq(indent, depth) : this.map(indent, depth);
  }

  private map(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.lines[this.#pos]; line !== undefined && line.indent >= indent; line = this.lines[this.#pos]) {
      if (line.indent > indent) notSure();
      const entry = splitKey(line.text);
      if (entry === undefined) notSure();
      setKey(map, entry.key, entry.keyLength);
      this.#pos++;
      const { rest } = entry;
      if (rest !== '' && rest[0] !== '#') map[entry.key] = this.inline(rest, indent, depth);
      else {
        // A sequence may sit at the key's own indent (`key:` then `- item` lines).
        const next = this.lines[this.#pos];
        map[entry.key] = next !== undefined && next.indent === indent && isSeqItem(next.text) ? this.seq(indent, depth + 1) : this.nested(indent, depth);
      }
    }
    return map;
  }

  private seq(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.lines[this.#pos]; line !== undefined && line.indent === indent && isSeqItem(line.text); line = this.lines[this.#pos]) {
      const start = skipSpaces(line.text, 1);
      // `- ` then a tab: leave to `yaml` whether it separates or indents.
      if (line.text[start] === '\t') notSure();
      const rest = line.text.slice(start);
      if (rest === '' || rest[0] === '#') {
        this.#pos++;
        items.push(this.nested(indent, depth));
      } else if (isSeqItem(rest) || splitKey(rest) !== undefined) {
        // `- key: value` or `- - item`: a collection whose first line starts after the dash.
        this.lines[this.#pos] = { indent: indent + start, text: rest };
        items.push(this.node(indent + start, depth + 1));
      } else {
        this.#pos++;
        items.push(this.inline(rest, indent, depth));
      }
    }
    return items;
  }

  /** What follows `key:` or `-` with nothing after it: a more indented collection, or null. */
  private nested(indent: number, depth: number): unknown {
    const next = this.lines[this.#pos];
    return next !== undefined && next.indent > indent ? this.node(next.indent, depth + 1) : null;
  }

  /** A one-line value; a more indented line after it would continue it, which is left to `yaml`. */
  private inline(text: string, indent: number, depth: number): unknown {
    const value = scanInline(text, depth);
    const next = this.lines[this.#pos];
    if (next !== undefined && next.indent > indent) notSure();
    return value;
  }
}
