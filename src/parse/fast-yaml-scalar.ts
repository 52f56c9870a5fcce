/**
 * The one-line pieces of fast-yaml: quoted and plain scalars, resolved as `yaml`'s
 * default YAML 1.2 core schema resolves them, and flow collections written on one line. Anything
 * outside that subset throws NOT_SURE, which sends the file to the full `yaml` pipeline.
 */

/** Thrown (never escapes fast-yaml) when the text leaves the subset; the caller falls back. */
export class NotSure {}
export const NOT_SURE = new NotSure();

export function notSure(): never {
  throw NOT_SURE;
}

/** Nesting deeper than this is no manifest; leave it to `yaml`. */
export const MAX_DEPTH = 32;

/** `yaml` refuses implicit keys over 1024 characters; stay well clear of the boundary. */
export const MAX_KEY_LENGTH = 512;

export interface Scanned {
  value: unknown;
  /** Index just past the scalar or collection. */
  end: number;
}

// The core schema's plain-scalar tags, in the order `yaml` tries them
// (node_modules/yaml/dist/schema/core/schema.js and its int/float/bool/null tags).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Every non-string plain scalar starts with one of these; the rest skip the regexes. */
const MAYBE_NOT_STRING = /^[-+.~0-9nNtTfF]/;

/** A plain scalar's value: null, boolean, number or string, exactly as `yaml` resolves it. */
export function resolvePlain(s: string): unknown {
  if (!MAYBE_NOT_STRING.test(s)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/**
 * Indicators that may not start a plain scalar (or that start something fast-yaml leaves to
 * `yaml`: anchors, aliases, tags, block scalars, directives, explicit keys).
 */
const BAD_PLAIN_START = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

/** Checks the first character of a plain scalar; `-` is fine when a non-space follows (`-1`). */
export function checkPlainStart(s: string, flow: boolean): void {
  const c = s[0];
  if (c === undefined) notSure();
  if (!BAD_PLAIN_START.has(c)) return;
  const next = s[1];
  if (c === '-' && next !== undefined && next !== ' ' && !(flow && (next === ',' || next === ']' || next === '}' || next === '[' || next === '{'))) return;
  notSure();
}

export function skipSpaces(text: string, i: number): number {
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

/** Spaces and tabs: tabs may separate tokens within a line, never indent. */
export function skipBlanks(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9; c = text.charCodeAt(++i));
  return i;
}

export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** After a value: only blanks, then the end of the line or a comment after at least one blank. */
export function expectLineEnd(text: string, i: number): void {
  const j = skipBlanks(text, i);
  if (j === text.length) return;
  if (text[j] === '#' && j > i) return;
  notSure();
}

/** Where a comment starts in a line (a `#` after a blank), or the line's length. */
export function commentStart(text: string): number {
  for (let i = text.indexOf('#'); i >= 0; i = text.indexOf('#', i + 1)) {
    if (isBlank(text[i - 1])) return i;
  }
  return text.length;
}

/** A plain scalar's text up to `end`, without trailing blanks; tabs within it are left to `yaml`. */
export function plainText(text: string, start: number, end: number): string {
  let e = end;
  while (isBlank(text[e - 1]) && e > start) e--;
  const raw = text.slice(start, e);
  if (raw.includes('\t')) notSure();
  return raw;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  '\t': '\t',
};
const HEX_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const HEX = /^[0-9a-fA-F]+$/;

/** A double-quoted scalar starting at `i`, closed on the same line. */
export function scanDoubleQuoted(text: string, i: number): Scanned {
  let out = '';
  let from = i + 1;
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '"') return { value: out + text.slice(from, j), end: j + 1 };
    if (c !== '\\') continue;
    out += text.slice(from, j);
    const e = text[j + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      j += 1;
    } else {
      const length = HEX_LENGTH[e];
      const hex = length === undefined ? '' : text.substr(j + 2, length);
      if (length === undefined || hex.length !== length || !HEX.test(hex)) notSure();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) notSure();
      out += String.fromCodePoint(code);
      j += 1 + length;
    }
    from = j + 1;
  }
  return notSure();
}

/** A single-quoted scalar starting at `i`, closed on the same line; `''` is a quote. */
export function scanSingleQuoted(text: string, i: number): Scanned {
  let out = '';
  let from = i + 1;
  for (;;) {
    const q = text.indexOf("'", from);
    if (q < 0) notSure();
    out += text.slice(from, q);
    if (text[q + 1] !== "'") return { value: out, end: q + 1 };
    out += "'";
    from = q + 2;
  }
}

export function scanQuoted(text: string, i: number): Scanned {
  return text[i] === '"' ? scanDoubleQuoted(text, i) : scanSingleQuoted(text, i);
}

const FLOW_END = new Set([',', '[', ']', '{', '}']);

/**
 * A plain scalar inside a flow collection: up to a flow indicator, or a `:` that is followed by
 * a space (a pair's separator). Its raw text is returned for the caller to check and resolve.
 */
function scanFlowPlain(text: string, i: number): { raw: string; end: number } {
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j] as string;
    if (FLOW_END.has(c)) break;
    if (c === '#' && text[j - 1] === ' ') notSure();
    if (c === ':') {
      const next = text[j + 1];
      if (next === ' ') break;
      if (next === undefined || FLOW_END.has(next)) notSure();
    }
  }
  const raw = plainText(text, i, j);
  checkPlainStart(raw, true);
  return { raw, end: i + raw.length };
}

/** A flow item: a nested collection, a quoted scalar, or a plain scalar. */
function scanFlowItem(text: string, i: number, depth: number): Scanned {
  const c = text[i];
  if (c === '[' || c === '{') return scanFlow(text, i, depth + 1);
  if (c === '"' || c === "'") return scanQuoted(text, i);
  const { raw, end } = scanFlowPlain(text, i);
  return { value: resolvePlain(raw), end };
}

/** `[…]` or `{…}` starting at `i`, entirely on this line. */
export function scanFlow(text: string, i: number, depth: number): Scanned {
  if (depth > MAX_DEPTH) notSure();
  return text[i] === '[' ? scanFlowSeq(text, i, depth) : scanFlowMap(text, i, depth);
}

function scanFlowSeq(text: string, i: number, depth: number): Scanned {
  const items: unknown[] = [];
  let j = skipSpaces(text, i + 1);
  if (text[j] === ']') return { value: items, end: j + 1 };
  for (;;) {
    const item = scanFlowItem(text, j, depth);
    items.push(item.value);
    j = skipSpaces(text, item.end);
    if (text[j] === ']') return { value: items, end: j + 1 };
    if (text[j] !== ',') notSure();
    j = skipSpaces(text, j + 1);
    // A trailing comma is valid YAML, but rare enough to leave to `yaml`.
    if (text[j] === ']') notSure();
  }
}

function scanFlowMap(text: string, i: number, depth: number): Scanned {
  const map: Record<string, unknown> = {};
  let j = skipSpaces(text, i + 1);
  if (text[j] === '}') return { value: map, end: j + 1 };
  for (;;) {
    const c = text[j];
    const start = j;
    let key: unknown;
    if (c === '"' || c === "'") {
      const q = scanQuoted(text, j);
      key = q.value;
      j = q.end;
    } else {
      if (c === '[' || c === '{') notSure();
      const p = scanFlowPlain(text, j);
      key = resolvePlain(p.raw);
      j = p.end;
    }
    // `{"a":1}`, `{a}` and `{a: }` are valid YAML too, but left to `yaml`.
    if (text[j] !== ':' || text[j + 1] !== ' ') notSure();
    setKey(map, key, j - start);
    j = skipSpaces(text, j + 1);
    if (text[j] === ',' || text[j] === '}') notSure();
    const value = scanFlowItem(text, j, depth);
    map[key as string] = value.value;
    j = skipSpaces(text, value.end);
    if (text[j] === '}') return { value: map, end: j + 1 };
    if (text[j] !== ',') notSure();
    j = skipSpaces(text, j + 1);
    if (text[j] === '}') notSure();
  }
}

/**
 * Claims `key` (`sourceLength` characters of text) in `map`: only string keys (a key that
 * resolves to a number, boolean or null is stringified by `yaml`; rare, so left to it), never
 * `__proto__`, never twice (E102's job).
 */
export function setKey(map: Record<string, unknown>, key: unknown, sourceLength: number): asserts key is string {
  // `<<` is a plain key under YAML 1.2, a merge under 1.1 or with `merge: true`: not sure.
  if (typeof key !== 'string' || sourceLength > MAX_KEY_LENGTH || key === '__proto__' || key === '<<' || Object.hasOwn(map, key)) notSure();
  map[key] = null;
}
