/**
 * `ports`: each entry parsed in full, and no listen port published twice on one host. The
 * template's ports are prepended to every host's own, so a host repeating one of them is a
 * conflict too; it is reported on the host's entry, naming the template entry it repeats.
 */
import { checkPortEntry } from './port-entry.js';
import type { SemanticContext } from './semantic-context.js';

interface Published {
  /** `8080` or `53/udp`: a TCP and a UDP port of one number are two ports. */
  listenPort: string;
  segments: string[];
  text: string;
}

export function checkPorts(ctx: SemanticContext, template: unknown, hosts: ReadonlyArray<readonly [string, Record<string, unknown>]>): void {
  // Template duplicates are reported once, at the template, not once per host.
  const fromTemplate = firstPublishers(ctx, parseList(ctx, template, ['hostTemplate', 'ports']), new Map());
  for (const [name, host] of hosts) {
    firstPublishers(ctx, parseList(ctx, host['ports'], ['hosts', name, 'ports']), new Map(fromTemplate), name);
  }
}

/** The well-formed entries of a ports list; bad ones are reported (unless the schema did). */
function parseList(ctx: SemanticContext, list: unknown, at: readonly string[]): Published[] {
  if (!Array.isArray(list)) return [];
  const out: Published[] = [];
  list.forEach((text: unknown, i) => {
    const segments = [...at, String(i)];
    if (typeof text !== 'string' || !ctx.usable(segments)) return;
    const entry = checkPortEntry(segments, text);
    if (entry.ok) out.push({ listenPort: `${entry.forward.listenPort}${entry.forward.proto === 'udp' ? '/udp' : ''}`, segments, text });
    else ctx.report('E304', entry.message, segments);
  });
  return out;
}

function firstPublishers(ctx: SemanticContext, list: readonly Published[], seen: Map<string, Published>, host?: string): Map<string, Published> {
  for (const p of list) {
    const first = seen.get(p.listenPort);
    if (!first) {
      seen.set(p.listenPort, p);
      continue;
    }
    const owner = host === undefined ? 'hostTemplate' : `host "${host}"`;
    const inherited = first.segments[0] === 'hostTemplate' && host !== undefined;
    const firstName = `${inherited ? 'hostTemplate.' : ''}ports[${first.segments[first.segments.length - 1] ?? ''}]`;
    const why = inherited ? ", which hostTemplate prepends to every host's ports" : '';
    ctx.report('E305', `listen port ${p.listenPort} is published twice by ${owner}: ${JSON.stringify(p.text)} repeats ${firstName} ${JSON.stringify(first.text)} (line ${ctx.line(first.segments)})${why}`, p.segments);
  }
  return seen;
}
