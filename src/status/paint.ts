/**
 * Colours for status tables on a terminal, and a table that pads by what shows on screen: the
 * escapes that colour a cell take no column.
 */
export type Colour = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';

const SGR: Record<Colour, string> = { green: '32', red: '1;31', yellow: '33', dim: '2', bold: '1', cyan: '36' };

export function paint(on: boolean, colour: Colour, text: string): string {
  return on ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

// Colour and cursor sequences only (CSI … letter): what paint() and the screen code write.
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function visibleLength(text: string): number {
  return [...text.replace(ESCAPES, '')].length;
}

/** Cut to `width` columns on screen, keeping colour escapes (and resetting after a cut). */
export function clip(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = '';
  let shown = 0;
  for (let i = 0; i < text.length && shown < width;) {
    ESCAPES.lastIndex = i;
    const m = ESCAPES.exec(text);
    if (m && m.index === i) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out += ch;
    i += ch.length;
    shown++;
  }
  return text.includes('\x1b') ? `${out}\x1b[0m` : out;
}

/** Rows of cells, columns padded by visible width; `right`: columns aligned right (numbers). */
export function table(rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set(), indent = '  ', gap = '  '): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  return rows.map((row) => {
    const cells = row.map((cell, i) => {
      const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
      if (i === columns - 1 && !right.has(i)) return cell;
      return right.has(i) ? pad + cell : cell + pad;
    });
    return `${indent}${cells.join(gap)}`.trimEnd();
  });
}
