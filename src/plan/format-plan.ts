import { quoteShellCommand } from '../manifest/shell-words.js';
import type { Plan } from './types.js';

/** `norouter plan`'s text: per host, `# NAME (VIP)` and its command line, quoted to paste into a shell. */
export function formatPlanText(plan: Plan): string {
  const lines: string[] = [];
  for (const host of plan.hosts) lines.push(`# ${host.name} (${host.vip})`, quoteShellCommand(host.argv));
  return `${lines.join('\n')}\n`;
}
