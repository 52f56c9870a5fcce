/**
 * A text table that fits a width: the readiness summary of `norouter run` lists every port a
 * host publishes, and a host with four ports made one line of more than 120 columns, which a
 * terminal folds into the next row. Each cell is one item or a list of items (a host's ports).
 * When the table does not fit on one line per row, every list puts its items on lines of their
 * own. The last column is never padded nor wrapped: it holds messages (why a host is down),
 * which stay on one line so that they read and search whole.
 */
export type Cell = string | readonly string[];

/** The table's lines (without newlines), each `indent` then the cells separated by `gap`. */
export function fitTable(rows: readonly (readonly Cell[])[], width: number, indent = '  ', gap = '  '): string[] {
  const compact = rows.map((row) => row.map((cell) => [typeof cell === 'string' ? cell : cell.join(', ')]));
  const lines = layout(compact, indent, gap);
  if (Math.max(0, ...lines.map((l) => l.length)) <= width) return lines;
  return layout(rows.map((row) => row.map((cell) => (typeof cell === 'string' ? [cell] : cell.length ? [...cell] : ['']))), indent, gap);
}

function layout(rows: readonly string[][][], indent: string, gap: string): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns - 1 }, (_, i) => Math.max(0, ...rows.flatMap((r) => (r[i] ?? []).map((s) => s.length))));
  const out: string[] = [];
  for (const row of rows) {
    const height = Math.max(1, ...row.map((c) => c.length));
    for (let line = 0; line < height; line++) {
      const text = row.map((c, i) => (i === columns - 1 ? (c[line] ?? '') : (c[line] ?? '').padEnd(widths[i] ?? 0))).join(gap);
      out.push(`${indent}${text}`.trimEnd());
    }
  }
  return out;
}
