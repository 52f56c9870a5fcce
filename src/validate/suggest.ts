/** "did you mean …?" for misspelt keys. */

/** Optimal string alignment distance: Levenshtein plus transposition of neighbours (`vpi`). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

/**
 * Words people write for our keys that no edit distance finds. Only entries whose target exists
 * in the object at hand are offered.
 */
const SYNONYMS: Record<string, string> = {
  command: 'cmd',
  ip: 'vip',
  address: 'vip',
  port: 'ports',
  forward: 'ports',
  forwards: 'ports',
  publish: 'ports',
  host: 'hosts',
  template: 'hostTemplate',
  hosttemplate: 'hostTemplate',
  host_template: 'hostTemplate',
  'host-template': 'hostTemplate',
};

/** The closest known key, if it is close enough to be a likely typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  const synonym = SYNONYMS[lower];
  if (synonym !== undefined && known.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  // A third of the length: catches `hostTemplte` and `prots`, not `cmd` for `foo`.
  const allowed = Math.max(1, Math.floor(unknown.length / 3));
  return bestDistance <= allowed ? best : undefined;
}
