import type { Writable } from 'node:stream';
import { loadAndReport } from '../manifest/load-plan.js';
import { formatPlanText } from '../plan/format-plan.js';
import type { Plan } from '../plan/types.js';
import { EXIT_BAD_INPUT, EXIT_OK } from '../meta/exit-codes.js';

/**
 * `norouter plan FILE [--json]`: shared by PlanCommand and main's fast path, which reaches it
 * without loading clipanion (the startup budget in docs/benchmarks.md, "norouter plan").
 */
export async function runPlan(file: string, json: boolean, stdout: Writable, stderr: Writable): Promise<number> {
  const loaded = await loadAndReport(file, stderr);
  if (!loaded) return EXIT_BAD_INPUT;
  if (json) writePlanJson(loaded.plan, stdout);
  else stdout.write(formatPlanText(loaded.plan));
  return EXIT_OK;
}

/**
 * The same text as `JSON.stringify(plan, null, 2)`, written host by host: the plan of a few
 * thousand hosts is quadratic in size (every host lists every other's ports) and as one string
 * would pass V8's maximum string length.
 */
export function writePlanJson(plan: Plan, out: Writable): void {
  const { hosts, ...rest } = plan;
  if (Object.keys(rest).length || hosts.length === 0) {
    out.write(`${JSON.stringify(plan, null, 2)}\n`);
    return;
  }
  out.write('{\n  "hosts": [\n');
  hosts.forEach((host, i) => {
    const text = JSON.stringify(host, null, 2).replace(/\n/g, '\n    ');
    out.write(`    ${text}${i < hosts.length - 1 ? ',' : ''}\n`);
  });
  out.write('  ]\n}\n');
}
