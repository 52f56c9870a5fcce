/** A strict reader of the Prometheus text exposition format 0.0.4, enough for what norouter writes (src/status/prometheus.ts). */
import assert from 'node:assert/strict';

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** A strict reader of text format 0.0.4, enough for what we write. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      if (m[1] === 'HELP') helps.add(m[2]!);
      else {
        assert.ok(['counter', 'gauge'].includes(m[3]!), line);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    assert.ok(types.has(m[1]!) && helps.has(m[1]!), `${m[1]} has HELP and TYPE before its samples`);
    const value = Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    samples.push({ name: m[1]!, labels, value });
  }
  for (const [name, type] of types) if (type === 'counter') assert.match(name, /_total$/, name);
  return { samples, types };
}
