import type { Writable } from 'node:stream';
import { loadAndReport } from './load.js';
import { formatPlanText } from '../plan/format-plan.js';
import { EXIT_BAD_INPUT, EXIT_OK } from './exit-codes.js';

/**
 * `norouter plan FILE [--json]`: shared by PlanCommand and main's fast path, which reaches it
 * without loading clipanion (issue 2's startup budget).
 */
export async function runPlan(file: string, json: boolean, stdout: Writable, stderr: Writable): Promise<number> {
  const loaded = await loadAndReport(file, stderr);
  if (!loaded) return EXIT_BAD_INPUT;
  stdout.write(json ? `${JSON.stringify(loaded.plan, null, 2)}\n` : formatPlanText(loaded.plan));
  return EXIT_OK;
}
