/**
 * Random YAML for the differential tests of src/parse/fast-yaml.ts: documents within its subset
 * ("safe"), documents with scalars of every kind including ones it must leave to `yaml` ("wild"),
 * and mutations that push a document just outside the subset.
 */

import { prng as seeded } from '../protocol/prng.js';

/** A seeded number generator (test/protocol/prng.ts), as Gen takes it. */
export function prng(seed: number): () => number {
  return seeded(seed).next;
}

export class Gen {
  constructor(
    readonly rand: () => number,
    /** Safe: only what fast-yaml must accept. Wild: anything, to be accepted or refused. */
    readonly wild: boolean,
  ) {}

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  chars(alphabet: string, min: number, max: number): string {
    let s = '';
    const n = min + this.int(max - min + 1);
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** Plain scalars that resolve to numbers, booleans or null, or look as if they might. */
  numberish(): string {
    const sign = this.pick(['', '', '-', '+']);
    return this.pick([
      () => `${sign}${this.chars('0123456789', 1, 6)}`,
      () => `${sign}${this.chars('0123456789', 0, 3)}.${this.chars('0123456789', 0, 3)}`,
      () => `${sign}${this.chars('0123456789', 1, 3)}${this.pick(['e', 'E'])}${this.pick(['', '-', '+'])}${this.chars('0123456789', 1, 2)}`,
      () => `0o${this.chars('01234567', 1, 4)}`,
      () => `0x${this.chars('0123456789abcdefABCDEF', 1, 4)}`,
      () => `${sign}${this.pick(['.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', '.iNf', '.nAn'])}`,
      () => this.pick(['null', 'Null', 'NULL', 'nULL', '~', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n']),
      () => this.pick(['0b101', '1_000', '00', '-0', '+0', '0.0', '1.2.3', '12345678901234567890123', '0o8', '0xg', '0X1F', '1e', '.e1', '.', '-.', '+.5', '5.']),
    ])();
  }

  plainWord(): string {
    if (!this.wild) return `${this.chars('abcdefghijklmnopqrstuvwxyz', 1, 1)}${this.chars('abcdefghijklmnopqrstuvwxyz0123456789-_./', 0, 10)}`;
    return this.pick([
      () => this.chars('abcXYZ019-_./:@#,[]{}&*!|>%\'"`?=~$< \\', 1, 10),
      () => `${this.chars('abc', 1, 3)}${this.pick([' ', '  ', ':', '#', ' #', ': ', ',', '[', ']', '{', '}', "'", '"', '!', '&', '*', '|', '>', '%', '@', '`', '?', '\u00a0', 'é', '日本', '😀'])}${this.chars('abc', 0, 3)}`,
      () => this.pick(['127.0.42.1', '8080:127.0.0.1:80', 'docker exec -i x norouter', 'a b', 'x:y', '-x', '-', '--', '?x', ':x', 'a: b', 'a:', '<<', '=', '@x', '`x']),
    ])();
  }

  singleQuoted(): string {
    if (this.wild) return `'${this.chars("ab ''\"\\#:é\u00a0\t", 0, 8)}'`;
    let body = '';
    for (let n = this.int(6); n > 0; n--) body += this.pick(['a', 'b', ' ', "''", '"', '\\', '#', ':', 'é', '\t']);
    return `'${body}'`;
  }

  doubleQuoted(): string {
    const safe = ['a', 'b', ' ', '\t', '\\\t', "'", '#', ':', 'é', '😀', '\\\\', '\\"', '\\/', '\\n', '\\t', '\\0', '\\a', '\\b', '\\e', '\\f', '\\r', '\\v', '\\N', '\\_', '\\L', '\\P', '\\ ', '\\x41', '\\u00e9', '\\U0001F600', '\\uD83D'];
    const wild = ['\\q', '\\x4', '\\u12', '\\U00110000', '\\x', '"', '\\'];
    let body = '';
    const n = this.int(8);
    for (let i = 0; i < n; i++) body += this.wild && this.chance(0.1) ? this.pick(wild) : this.pick(safe);
    return `"${body}"`;
  }

  scalar(): string {
    const r = this.rand();
    if (r < 0.3) return this.numberish();
    if (r < 0.6) return this.plainWord();
    if (r < 0.75) return this.singleQuoted();
    return this.doubleQuoted();
  }

  flowItem(depth: number): string {
    if (depth < 2 && this.chance(0.15)) return this.flow(depth + 1);
    const s = this.scalar();
    // In a flow collection, plain scalars with flow indicators or `: ` are something else.
    return !this.wild && /^[^'"]/.test(s) && /[,[\]{}:#]/.test(s) ? JSON.stringify(s) : s;
  }

  flow(depth = 0): string {
    const sep = this.pick([', ', ',', ' , ']);
    const n = this.int(4);
    if (this.chance(0.7)) return `[${this.pad()}${Array.from({ length: n }, () => this.flowItem(depth)).join(sep)}${this.pad()}]`;
    const keys = this.keys(n);
    return `{${this.pad()}${keys.map((k) => `${k}: ${this.flowItem(depth)}`).join(sep)}${this.pad()}}`;
  }

  pad(): string {
    return this.pick(['', '', ' ']);
  }

  key(): string {
    if (!this.wild) {
      const r = this.rand();
      if (r < 0.7) return this.plainWord().replace(/[.]+$/, '') || 'k';
      return r < 0.85 ? JSON.stringify(this.plainWord()) : `'${this.plainWord()}'`;
    }
    return this.chance(0.7) ? this.plainWord() : this.scalar();
  }

  /** Distinct keys (by text: quoting can still make two equal, which is for yaml to catch). */
  keys(n: number): string[] {
    const out = new Set<string>();
    for (let i = 0; i < n * 3 && out.size < n; i++) out.add(this.key());
    return [...out];
  }

  comment(): string {
    return `#${this.chars('ab #:-"\'', 0, 8)}`;
  }

  /** Where blanks separate tokens: a space or two, sometimes a tab. */
  blank(): string {
    return this.pick([' ', ' ', ' ', '  ', '\t', ' \t']);
  }

  /** After a value or a key's colon (a tab after a lone `-` is left to yaml: `spaces`). */
  trailing(spaces = false): string {
    const r = this.rand();
    if (r < 0.15) return `${spaces ? ' ' : this.blank()}${this.comment()}`;
    if (r < 0.2) return spaces ? '   ' : this.pick(['   ', '\t', ' \t ']);
    return '';
  }

  /** Comment-only and blank lines, at random indents. */
  filler(lines: string[]): void {
    while (this.chance(0.12)) lines.push(this.chance(0.5) ? `${' '.repeat(this.int(6))}${this.comment()}` : ' '.repeat(this.int(3)));
  }

  inline(): string {
    return this.chance(0.2) ? this.flow() : this.scalar();
  }

  map(indent: number, depth: number, lines: string[], firstPrefix?: string): void {
    const keys = this.keys(1 + this.int(4));
    keys.forEach((key, i) => {
      this.filler(lines);
      const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
      const r = this.rand();
      if (depth < 4 && r < 0.25) {
        lines.push(`${lead}${key}:${this.trailing()}`);
        this.map(indent + 1 + this.int(4), depth + 1, lines);
      } else if (depth < 4 && r < 0.4) {
        lines.push(`${lead}${key}:${this.trailing()}`);
        this.seq(this.chance(0.4) ? indent : indent + 1 + this.int(3), depth + 1, lines);
      } else if (r < 0.45) {
        lines.push(`${lead}${key}:${this.trailing()}`);
      } else {
        lines.push(`${lead}${key}:${this.blank()}${this.inline()}${this.trailing()}`);
      }
    });
  }

  seq(indent: number, depth: number, lines: string[], firstPrefix?: string): void {
    const n = 1 + this.int(4);
    for (let i = 0; i < n; i++) {
      this.filler(lines);
      const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
      const dash = `-${' '.repeat(1 + this.int(3))}`;
      const r = this.rand();
      if (depth < 4 && r < 0.2) {
        this.map(indent + dash.length, depth + 1, lines, `${lead}${dash}`);
      } else if (depth < 4 && r < 0.27) {
        this.seq(indent + dash.length, depth + 1, lines, `${lead}${dash}`);
      } else if (depth < 4 && r < 0.37) {
        lines.push(`${lead}-${this.trailing(true)}`);
        this.map(indent + 1 + this.int(4), depth + 1, lines);
      } else if (r < 0.42) {
        lines.push(`${lead}-${this.trailing(true)}`);
      } else {
        lines.push(`${lead}${dash}${this.inline()}${this.trailing()}`);
      }
    }
  }

  document(): string {
    const lines: string[] = [];
    if (this.chance(0.1)) lines.push(this.pick(['---', '--- # start', '# yaml-language-server: $schema=x']));
    if (this.chance(0.1)) this.seq(0, 0, lines);
    else this.map(0, 0, lines);
    this.filler(lines);
    const text = `${lines.join('\n')}${this.chance(0.9) ? '\n' : ''}`;
    return this.wild && this.chance(0.03) ? `\ufeff${text}` : text;
  }

  /** A document with 1–3 edits of the kind that leave fast-yaml's subset (or YAML). */
  mutated(): string {
    let text = this.document();
    const edits = 1 + this.int(3);
    for (let e = 0; e < edits; e++) {
      const at = this.int(text.length + 1);
      const r = this.rand();
      if (r < 0.45) {
        const token = this.pick(['\t', '\r', '&a ', '*a', '!!str ', '!x ', '|', '>', '? ', '---\n', '...\n', '%YAML 1.2\n', '<<: ', '- ', ': ', ' #', '#', '"', "'", '[', ']', '{', '}', ',', '\\', ' ', '  ', '\n', '\n  ', 'x: y\n', '\u00a0', '\u2028', '\u0085', '\ufeff', '\x00', '@', '`', '%']);
        text = text.slice(0, at) + token + text.slice(at);
      } else if (r < 0.7) {
        text = text.slice(0, at) + text.slice(at + 1 + this.int(3));
      } else {
        // Repeat a line elsewhere: duplicate keys, broken indentation.
        const lines = text.split('\n');
        const line = this.pick(lines);
        lines.splice(this.int(lines.length + 1), 0, this.chance(0.5) ? line : ` ${line}`);
        text = lines.join('\n');
      }
    }
    return text;
  }
}
