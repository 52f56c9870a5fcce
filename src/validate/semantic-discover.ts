/**
 * `discover`'s filters (E320): the schema checks that each entry is a number or a text;
 * whether each is a port (1-65535) or a range `LOW-HIGH` running upwards is checked here. Checked with
 * the parser the agent's `--discover` flag uses (src/plan/discover-args.ts).
 */
import { parseRange } from '../plan/discover-args.js';
import { describePath } from './pointer.js';
import type { SemanticContext } from './semantic-context.js';

export function checkDiscover(ctx: SemanticContext, template: unknown, hosts: ReadonlyArray<readonly [string, Record<string, unknown>]>): void {
  checkOne(ctx, record(template)?.['discover'], ['hostTemplate', 'discover']);
  for (const [name, host] of hosts) checkOne(ctx, host['discover'], ['hosts', name, 'discover']);
}

function checkOne(ctx: SemanticContext, discover: unknown, at: readonly string[]): void {
  const filters = record(discover);
  if (!filters) return;
  for (const key of ['include', 'exclude']) {
    const list = filters[key];
    if (!Array.isArray(list)) continue;
    list.forEach((item: unknown, i) => {
      if ((typeof item !== 'number' && typeof item !== 'string') || !ctx.usable([...at, key, String(i)])) return;
      const r = parseRange(String(item));
      if (!r.ok) ctx.report('E320', `${describePath([...at, key, String(i)])}: ${r.error}`, [...at, key, String(i)]);
    });
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
